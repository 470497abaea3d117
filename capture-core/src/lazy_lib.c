/* SPDX-License-Identifier: MIT */
/* lazy_lib.c - dlopen by SONAME and resolve a set of symbols, all or none (lazy_lib.h). */
#include "lazy_lib.h"

#include <dlfcn.h>
#include <stdio.h>

int pm_lazy_lib_open(const char *soname, const char *const names[], void *fns[], size_t n, char *why,
		     size_t whylen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, whylen, "cannot load %s: %s", soname, e ? e : "unknown error");
		return -1;
	}
	void *got[64];
	if (n > sizeof(got) / sizeof(got[0])) {
		snprintf(why, whylen, "%s: too many symbols asked for", soname);
		dlclose(h);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		got[i] = dlsym(h, names[i]);
		if (!got[i]) {
			snprintf(why, whylen, "%s has no %s", soname, names[i]);
			dlclose(h);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		fns[i] = got[i];
	return 0; /* kept open for the process's life */
}
