/* error.c - filling struct rt_error. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void error_set(struct rt_error *err, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void error_clear(struct rt_error *err)
{
	if (err == NULL)
		return;
	err->kind = ERR_NONE;
	err->msg[0] = '\0';
}
