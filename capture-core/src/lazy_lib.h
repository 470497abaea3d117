/* SPDX-License-Identifier: MIT */
/*
 * lazy_lib.h - libraries only some captures need, opened when first needed.
 *
 * libpcap (capture filters) and libnftables (the text of the rule that dropped a packet) bring
 * fifteen libraries with them (D-Bus, systemd, gcrypt, xtables...): linked, each exec of pktmon
 * and of its helper mapped and relocated them all, ~10 ms an exec on our benchmark host, for
 * commands that mostly never call them. They are opened by their SONAME, as the dynamic linker
 * would, from the system's library directories only.
 */
#ifndef PKTMON_LAZY_LIB_H
#define PKTMON_LAZY_LIB_H

#include <stddef.h>

/* Opens soname and resolves the n symbols in names into fns (in order). Returns 0, or -1 with
 * a reason in why (the library stays closed, fns untouched). */
int pm_lazy_lib_open(const char *soname, const char *const names[], void *fns[], size_t n, char *why,
		     size_t whylen);

#endif
