/* progress.h - the progress line on a terminal's standard error during a
 * long run: for one target what it waits for ("relaytest: mx1:25: waiting
 * for the greeting, 8 s"), for many how far the run is ("relaytest: 37/200
 * done: 1 open, 2 inconclusive, 5 not tested, ETA 40 s").
 *
 * One line, redrawn in place with \r, at most PROGRESS_WIDTH columns, first
 * drawn after PROGRESS_DELAY_MS so that a quick run shows none; hidden
 * while a report is written and cleared at the end, so that it never mixes
 * with what is printed. One per process: the line is the terminal's. */
#ifndef RELAYTEST_PROGRESS_H
#define RELAYTEST_PROGRESS_H

#include <signal.h>
#include <stddef.h>

#include "waits.h"

#define PROGRESS_WIDTH 78
#define PROGRESS_DELAY_MS 1000

/* Whether a progress line suits this run: stderr is a terminal and the user
 * did not ask for quiet. */
int progress_wanted(int quiet);

/* Begin a run of total targets; with show 0 every other call does nothing.
 * With own_thread the line is redrawn every second by a thread of its own
 * (targets tested in this process, which blocks); without it the caller
 * calls progress_tick (a parent waiting for workers, which must not fork
 * with a second thread). */
void progress_start(size_t total, int show, int own_thread);

/* What the engine marks for a target tested in this process, or NULL when
 * there is no line or no thread to read it (workers' targets). */
struct waits *progress_waits(void);

/* A target tested in this process begins (name as given; shown when it is
 * the only one, or when the wait is long). */
void progress_target(const char *name);

/* A target finished with status (enum run_status). */
void progress_done(int status);

/* Redraw when due (at most once a second). */
void progress_tick(void);

/* Hide the line before the report is written to the terminal; progress_show
 * lets it be drawn again. Calls nest. */
void progress_hide(void);
void progress_show(void);

/* Clear the line and end the thread; the run is over. */
void progress_stop(void);

/* Columns of the line on the screen now (0: none), for a signal handler
 * that ends the process to blank with write(2), so that the shell's prompt
 * does not land on it. */
extern volatile sig_atomic_t progress_drawn;

#endif
