/* error.c - filling struct rt_error. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const error_kind_names[] = {
	[ERR_NONE] = "no error",
	[ERR_RESOLVE] = "name resolution failed",
	[ERR_CONNECT] = "connection failed",
	[ERR_TIMEOUT] = "timeout",
	[ERR_CLOSED] = "connection closed",
	[ERR_PROTOCOL] = "protocol error",
	[ERR_REFUSED] = "service refused",
	[ERR_INTERNAL] = "internal error",
};

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

const char *error_kind_name(enum err_kind kind)
{
	if ((unsigned)kind >= sizeof(error_kind_names) / sizeof(error_kind_names[0]))
		return "unknown error";
	return error_kind_names[kind];
}
