/* SPDX-License-Identifier: MIT */
/* format_rundown.h - `pktmon format`'s session rundown (format_rundown.c). */
#ifndef PKTMON_FORMAT_RUNDOWN_H
#define PKTMON_FORMAT_RUNDOWN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void rundown_text(FILE *f, const uint8_t *buf, size_t len);
void rundown_json(FILE *f, const uint8_t *buf, size_t len);
/* Says on stderr what is wrong inside one rundown block; returns how many problems. */
unsigned rundown_problems(const uint8_t *buf, size_t len, uint64_t block_off);

#endif
