/* wrap.h - printing prose and hostile server text within a line width. */
#ifndef RELAYTEST_WRAP_H
#define RELAYTEST_WRAP_H

#include <stdio.h>

/* Lines of the report, --help and --list-tests fit this many columns, so
 * they read well in mail (RFC 5322 2.1.1 recommends 78). */
#define WRAP_WIDTH 78

/* Print prefix, then text wrapped at width on spaces; continuation lines
 * are indented as deep as the prefix (at most width / 2). A word too long
 * for a line (a long address, a server's run of characters) is cut across
 * lines; a newline in text starts a new line. Ends with a newline. */
void wrap_print(FILE *out, const char *prefix, const char *text, size_t width);

#endif
