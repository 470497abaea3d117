/* check.h - the assertion of the project's C unit tests: count, report, go on. */
#ifndef PKTMON_TEST_CHECK_H
#define PKTMON_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures, checks;

static inline void check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s:%d: %s:", file, line, cond);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* CHECK(cond) or CHECK(cond, "printf format", ...): counts, reports, goes on. */
#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		checks++;                                                        \
		if (!(cond)) {                                                   \
			failures++;                                              \
			check_failed(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
		}                                                                \
	} while (0)

/* The closing line CI reads, and the exit status. */
static inline int check_summary(void)
{
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

#endif
