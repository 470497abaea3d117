/* SPDX-License-Identifier: MIT */
/* fail.c - cli_fail(). */
#include <stdarg.h>
#include <stdio.h>

#include "fail.h"

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pktmon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}
