/* output.h - where the report goes: standard output, or a file that is
 * replaced whole once the report is complete (--output FILE).
 *
 * A reader of FILE (node_exporter's textfile collector, a web page, a
 * monitoring check) sees the old report or the new one, never half of
 * one: the report is written to a temporary file beside FILE, synced,
 * and renamed over FILE (the textfile collector's rule). On any failure
 * the temporary file is removed and FILE stays as it was. */
#ifndef RELAYTEST_OUTPUT_H
#define RELAYTEST_OUTPUT_H

#include <limits.h>
#include <stdio.h>

#define OUTPUT_MSG_MAX 512

struct output_file {
	FILE *fp;		 /* where the formats write */
	const char *path;	 /* --output FILE; NULL: standard output */
	char tmp[PATH_MAX + 16]; /* the temporary file beside path, while it exists */
};

/* Open path's temporary file (path NULL: fp is stdout). Returns 0, or -1
 * with a message naming the file and what to do in err. */
int output_open(struct output_file *o, const char *path, char *err, size_t cap);

/* Finish the report: flush; for a file also fsync, close, rename over
 * path and sync its directory. Returns 0, or -1 with errno set and a
 * message in err; a failed file is discarded (path unchanged). */
int output_commit(struct output_file *o, char *err, size_t cap);

/* Drop an unfinished report: close and remove the temporary file. */
void output_discard(struct output_file *o);

#endif
