/* SPDX-License-Identifier: MIT */
/* cmd_format.c - placeholder until the verb is written. */
#include "cli.h"

int cmd_format(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(1, "format: not written yet");
}
