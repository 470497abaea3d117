/* SPDX-License-Identifier: MIT */
/* vmlinux_btf.c - map the kernel's BTF read-only where the kernel allows it, else read it. */
#include "vmlinux_btf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* sysfs reports the BTF's exact size; a bound keeps a strange file from taking the memory */
#define MAX_BTF_BYTES (256u << 20)

static int read_all(int fd, size_t len, void **out)
{
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO; /* shorter than its size said */
			free(buf);
			return -e;
		}
		got += (size_t)r;
	}
	*out = buf;
	return 0;
}

int pm_vmlinux_btf_open(struct pm_vmlinux_btf *v, const char *path, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > MAX_BTF_BYTES) {
		int e = errno ? errno : EINVAL;
		snprintf(err, errlen, "%s: no usable size", path);
		close(fd);
		return -e;
	}
	v->len = (size_t)st.st_size;
	/* Linux 6.16+ maps its own BTF pages: no copy, no page faults; older kernels refuse (EINVAL) */
	void *m = mmap(NULL, v->len, PROT_READ, MAP_PRIVATE, fd, 0);
	int rc = 0;
	if (m != MAP_FAILED)
		v->map = m;
	else
		rc = read_all(fd, v->len, &v->buf);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		v->len = 0;
		return rc;
	}
	rc = pm_kbtf_index(&v->kb, v->map ? v->map : v->buf, v->len, NULL, err, errlen);
	if (rc < 0)
		pm_vmlinux_btf_close(v);
	return rc;
}

void pm_vmlinux_btf_close(struct pm_vmlinux_btf *v)
{
	if (!v)
		return;
	pm_kbtf_free(&v->kb);
	if (v->map)
		munmap(v->map, v->len);
	free(v->buf);
	memset(v, 0, sizeof(*v));
}
