// SPDX-License-Identifier: MIT
/* ring_reader.c - see ring_reader.h. The layout is the kernel's UAPI (since 5.8): page 0 the
 * consumer position (read-write), page 1 the producer position, then the data area twice. */
#include "ring_reader.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

struct pm_ring_reader {
	struct pm_ring ring;
	pm_ring_record_fn fn;
	void *ctx;
	int epoll_fd;
	void *consumer_page;
	void *producer_area;
	size_t page, producer_len;
};

void pm_ring_reader_free(struct pm_ring_reader *r)
{
	if (!r)
		return;
	if (r->consumer_page)
		munmap(r->consumer_page, r->page);
	if (r->producer_area)
		munmap(r->producer_area, r->producer_len);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	free(r);
}

struct pm_ring_reader *pm_ring_reader_new(int map_fd, pm_ring_record_fn fn, void *ctx)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) < 0)
		return NULL;
	uint64_t size = info.max_entries;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !size || (size & (size - 1))) {
		errno = EINVAL;
		return NULL;
	}
	struct pm_ring_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->epoll_fd = -1;
	r->fn = fn;
	r->ctx = ctx;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->producer_len = r->page + 2 * size;
	void *c = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	void *p = mmap(NULL, r->producer_len, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page);
	r->consumer_page = c == MAP_FAILED ? NULL : c;
	r->producer_area = p == MAP_FAILED ? NULL : p;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	if (!r->consumer_page || !r->producer_area || r->epoll_fd < 0 ||
	    epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0) {
		int e = errno;
		pm_ring_reader_free(r);
		errno = e;
		return NULL;
	}
	r->ring = (struct pm_ring){
		.data = (const uint8_t *)r->producer_area + r->page,
		.size = size,
		.consumer_pos = r->consumer_page,
		.producer_pos = r->producer_area,
		.publish_every = pm_ring_publish_every(size),
	};
	return r;
}

long pm_ring_reader_consume(struct pm_ring_reader *r)
{
	return pm_ring_walk(&r->ring, r->fn, r->ctx);
}

long pm_ring_reader_poll(struct pm_ring_reader *r, int timeout_ms)
{
	struct epoll_event ev;
	if (epoll_wait(r->epoll_fd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return pm_ring_reader_consume(r);
}
