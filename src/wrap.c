/* wrap.c - printing prose and hostile server text within a line width. */
#include "wrap.h"

#include <string.h>

void wrap_print(FILE *out, const char *prefix, const char *text, size_t width)
{
	size_t indent = strlen(prefix), col = indent;

	if (indent > width / 2)
		indent = width / 2;
	fputs(prefix, out);
	while (*text != '\0') {
		size_t word = strcspn(text, " \n");

		if (*text == '\n' || (col > indent && col + 1 + word > width)) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			if (*text == '\n') {
				text++;
				continue;
			}
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		while (col < width && word > width - col) {
			size_t part = width - col;

			fprintf(out, "%.*s\n%*s", (int)part, text, (int)indent, "");
			text += part;
			word -= part;
			col = indent;
		}
		fprintf(out, "%.*s", (int)word, text);
		col += word;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}
