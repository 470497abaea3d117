/* SPDX-License-Identifier: MIT */
/* cmd_pcapng.c - placeholder until the verb is written. */
#include "cli.h"

int cmd_pcapng(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(1, "pcapng: not written yet");
}
