/* check.h - the assertion of the project's C unit tests: count, report, go on. */
#ifndef PKTMON_TEST_CHECK_H
#define PKTMON_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;
#define CHECK(cond, ...)                                                        \
	do {                                                                        \
		checks++;                                                               \
		if (!(cond)) {                                                          \
			failures++;                                                         \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
		}                                                                       \
	} while (0)

/* The closing line CI reads, and the exit status. */
static inline int check_summary(void)
{
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

#endif
