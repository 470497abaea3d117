/* SPDX-License-Identifier: MIT */
/* sink_internal.h - the state of a pcapng sink, shared by sink.c (the API), sink_io.c (writing to
 * the fd) and sink_files.c (file names, rotation, the circular join). */
#ifndef PKTMON_SINK_INTERNAL_H
#define PKTMON_SINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pm_buf.h"
#include "sink.h"

#define FILE_MODE 0644

struct pm_sink {
	int fd;            /* current output, -1 when none */
	bool close_fd;     /* close fd at the end (always for files we opened) */
	bool guard_pipe;   /* fd is not a regular file: no seek, no cut, a reader may go */
	bool may_sigpipe;  /* a pipe, fifo or socket (or unknown): writes keep SIGPIPE away */
	bool is_file;      /* opened by pm_sink_open_file */
	enum pm_log_mode mode;
	uint64_t cap;      /* 0 = no limit */

	char *path;        /* the user's FILE (file 0) */
	char *cur_path;    /* file being written */
	char *prev_path;   /* circular: hidden older segment */
	char *join_path;   /* circular: hidden join output */
	unsigned file_index; /* multi-file: number of the current file */
	bool have_prev;

	struct pm_buf hdr; /* SHB followed by every IDB, in order */
	bool hdr_set;
	unsigned n_if;     /* IDBs added */
	unsigned if_in_file; /* IDBs in the current file (< n_if only when a single file is full) */
	bool finished;     /* pm_sink_finish was called */
	uint64_t reserve_base, reserve_per_if;

	uint8_t *wbuf;     /* PM_SINK_BUF_SIZE bytes */
	size_t wlen;
	/* Where whole writes end in wbuf (UNIT_COUNTED marks a pm_sink_write): a
	 * failed flush keeps only whole blocks in the file and counts the
	 * accepted writes it lost. Every write is at least 12 bytes. */
	uint32_t unit_end[PM_SINK_BUF_SIZE / 12 + 1];
	size_t nunits;

	uint64_t cur_size; /* bytes in the current file, buffered included */
	uint64_t cur_data; /* of which packet blocks (not SHB/IDB) */
	uint64_t prev_data; /* packet-block bytes in the .prev segment */
	uint64_t cur_blocks, prev_blocks; /* packet blocks in FILE and .prev */
	bool full;         /* single mode: limit reached */
	int err;           /* sticky I/O error: the output is broken, 0 if none */
	int fatal;         /* sticky refusal of new blocks; buffered data still goes out */
	struct pm_sink_stats st;
	char msg[512];
};

#define UNIT_COUNTED 0x80000000u
enum unit_kind { UNIT_PIECE, UNIT_WHOLE, UNIT_PACKETS };

/* sink_io.c */
int pm_sink_set_msg(struct pm_sink *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int pm_sink_fail(struct pm_sink *s, int rc, const char *what);
void pm_sink_lose_buffer(struct pm_sink *s, off_t base, uint64_t done);
int pm_sink_out_flush(struct pm_sink *s);
int pm_sink_out_write_kind(struct pm_sink *s, const void *p, size_t n, enum unit_kind kind);
int pm_sink_out_write(struct pm_sink *s, const void *p, size_t n);
int pm_sink_open_out(const char *path);

/* sink_files.c */
char *pm_sink_hidden_name(const char *path, const char *suffix);
int pm_sink_prepare_rotation(struct pm_sink *s, char *err, size_t errlen);
uint64_t pm_sink_reserve(const struct pm_sink *s);
uint64_t pm_sink_data_limit(const struct pm_sink *s);
int pm_sink_rotate(struct pm_sink *s);
int pm_sink_circ_join(struct pm_sink *s, const void *trailer, size_t tlen);

#endif
