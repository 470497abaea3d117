/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pcapng output sink: fd output (regular file, non-blocking
 * pipe with a slow reader, a pipe whose reader is gone), and file output in
 * single, multi-file and circular modes under a size limit. Every file the sink
 * leaves on disk is parsed back and checked: at most the limit, SHB first, the
 * IDBs in the global order before any EPB that uses them, packets contiguous,
 * the trailer last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcapng.h"
#include "pktmon/pktmon_format.h"
#include "pm_buf.h"
#include "sink.h"
#include "tlv.h"

#include "check.h"

#define CHECK_RC(expr, want)                                                                     \
	do {                                                                                     \
		int rc_ = (expr);                                                                \
		if (rc_ != (want)) {                                                             \
			fprintf(stderr, "%s:%d: %s returned %d, expected %d\n", __FILE__, __LINE__, \
				#expr, rc_, (int)(want));                                        \
			failures++;                                                              \
		}                                                                                \
	} while (0)

static char tmpdir[256];

static void path_in_tmp(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static uint8_t *load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *d = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nd = realloc(d, cap);
			if (!nd) {
				free(d);
				fclose(f);
				return NULL;
			}
			d = nd;
		}
		size_t r = fread(d + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*size = n;
	return d ? d : malloc(1);
}

/* --- the blocks a session would write --------------------------------------------------------- */

#define MAX_IF 8
static struct pm_buf shb;
static struct pm_buf idb[MAX_IF];

static void make_headers(void)
{
	pm_buf_init(&shb);
	pcapng_put_shb(&shb, "pktmon test", "Linux test");
	for (int i = 0; i < MAX_IF; i++) {
		char name[64], desc[96];
		/* Names of different lengths so IDBs differ in size and content. */
		snprintf(name, sizeof(name), "comp%d%.*s", i, i * 3, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		snprintf(desc, sizeof(desc), "pktmon component %d: layer 1 netns 4026531840 (host) ifindex %d", i, i);
		pm_buf_init(&idb[i]);
		pcapng_put_idb(&idb[i], PCAPNG_LINKTYPE_ETHERNET, 262144, name, desc, 9);
	}
}

/* An EPB whose data starts with the sequence number (LE u64), so files can be
 * checked for which packets they hold. */
static void make_epb(struct pm_buf *b, uint32_t if_id, uint64_t seq, uint32_t datalen)
{
	uint8_t data[2048];
	if (datalen < 8)
		datalen = 8;
	if (datalen > sizeof(data))
		datalen = sizeof(data);
	for (uint32_t i = 0; i < 8; i++)
		data[i] = (uint8_t)(seq >> (8 * i));
	memset(data + 8, (int)(seq & 0xFF), datalen - 8);
	struct pcapng_epb_opts o = { .has_flags = true, .flags = 1, .has_packetid = true, .packetid = seq };
	pm_buf_reset(b);
	pcapng_put_epb(b, if_id, 1000 + seq, data, datalen, datalen, &o);
}

static uint64_t epb_seq(const uint8_t *blk)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)blk[28 + i] << (8 * i);
	return v;
}

/* Trailer: a rundown Custom Block of about `cb_payload` bytes and one ISB per interface. */
static void make_trailer(struct pm_buf *t, unsigned n_if, size_t cb_payload)
{
	struct pm_buf rd;
	pm_buf_init(&rd);
	size_t off = pktmon_rundown_begin(&rd);
	while (rd.len < cb_payload) {
		size_t rec = tlv_begin(&rd, PKTMON_REC_SESSION);
		tlv_put_str(&rd, PKTMON_TLV_SESSION_NAME, "test");
		tlv_end(&rd, rec);
	}
	pktmon_rundown_end(&rd, off);
	pm_buf_reset(t);
	pcapng_put_custom_block(t, PKTMON_PEN, rd.data, rd.len);
	for (unsigned i = 0; i < n_if; i++) {
		struct pcapng_isb_stats st = { .start_ns = 1, .end_ns = 2, .ifrecv = i };
		pcapng_put_isb(t, i, 3, &st);
	}
	pm_buf_free(&rd);
}

/* Packet blocks go through pm_sink_write, or (second pass of the tests) are encoded in place as
 * the session does: pm_sink_packet_room, the bytes, pm_sink_commit_packet; pm_sink_write where the
 * room is refused without an error. */
static bool in_place;

static int write_packet(struct pm_sink *s, const void *blk, size_t len)
{
	if (!in_place)
		return pm_sink_write(s, blk, len);
	int rc;
	uint8_t *room = pm_sink_packet_room(s, len, &rc);
	if (!room)
		return rc ? rc : pm_sink_write(s, blk, len);
	memcpy(room, blk, len);
	return pm_sink_commit_packet(s, len);
}

/* --- file checker ------------------------------------------------------------------------------- */

struct file_check {
	uint64_t seqs[4096];
	size_t nseq;
	unsigned n_idb;      /* IDBs in this file */
	unsigned n_trailer;  /* CB + ISB blocks */
	long long size;
};

/* Parses one output file. Returns true if it is valid by all the rules above. */
static bool check_file(const char *path, uint64_t cap, struct file_check *fc)
{
	memset(fc, 0, sizeof(*fc));
	size_t size = 0;
	uint8_t *d = load(path, &size);
	bool ok = true;
#define BAD(...)                                                    \
	do {                                                        \
		fprintf(stderr, "%s: ", path);                      \
		fprintf(stderr, __VA_ARGS__);                       \
		fprintf(stderr, "\n");                              \
		ok = false;                                         \
		goto out;                                           \
	} while (0)
	if (!d)
		BAD("cannot read");
	fc->size = (long long)size;
	if (cap && size > cap)
		BAD("size %zu exceeds the limit %llu", size, (unsigned long long)cap);
	if (pcapng_count_blocks(d, size) < 1)
		BAD("not a sequence of whole blocks");
	if (size < shb.len || memcmp(d, shb.data, shb.len) != 0)
		BAD("does not start with the SHB");
	for (size_t off = shb.len; off < size;) {
		uint32_t type = pm_get_le32(d + off), len = pm_get_le32(d + off + 4);
		switch (type) {
		case PCAPNG_BT_SHB:
			BAD("second SHB at %zu", off);
		case PCAPNG_BT_IDB:
			if (fc->n_trailer)
				BAD("IDB after the trailer");
			if (fc->n_idb >= MAX_IF || len != idb[fc->n_idb].len ||
			    memcmp(d + off, idb[fc->n_idb].data, len) != 0)
				BAD("IDB %u at %zu is not the expected one", fc->n_idb, off);
			fc->n_idb++;
			break;
		case PCAPNG_BT_EPB:
			if (fc->n_trailer)
				BAD("EPB after the trailer");
			if (pm_get_le32(d + off + 8) >= fc->n_idb)
				BAD("EPB at %zu uses interface %u before its IDB", off, pm_get_le32(d + off + 8));
			if (fc->nseq < sizeof(fc->seqs) / sizeof(fc->seqs[0]))
				fc->seqs[fc->nseq++] = epb_seq(d + off);
			break;
		case PCAPNG_BT_CB_COPY:
		case PCAPNG_BT_ISB:
			if (type == PCAPNG_BT_ISB && pm_get_le32(d + off + 8) >= fc->n_idb)
				BAD("ISB for an interface without IDB");
			fc->n_trailer++;
			break;
		default:
			BAD("unexpected block type 0x%x", type);
		}
		off += len;
	}
	for (size_t i = 1; i < fc->nseq; i++)
		if (fc->seqs[i] != fc->seqs[i - 1] + 1)
			BAD("packets not contiguous: %llu after %llu", (unsigned long long)fc->seqs[i],
			    (unsigned long long)fc->seqs[i - 1]);
out:
	free(d);
	if (!ok)
		failures++;
	return ok;
#undef BAD
}

/* --- fd output ---------------------------------------------------------------------------------- */

static void test_fd_regular(void)
{
	char path[512];
	path_in_tmp(path, sizeof(path), "fd.pcapng");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	struct pm_sink *s = pm_sink_open_fd(fd, false);
	CHECK(s != NULL);
	if (!s)
		return;
	struct pm_buf all, e, t;
	pm_buf_init(&all);
	pm_buf_init(&e);
	pm_buf_init(&t);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), -EINVAL); /* before the SHB */
	CHECK_RC(pm_sink_set_header(s, idb[0].data, idb[0].len), -EINVAL);  /* not an SHB */
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), -EINVAL); /* only once */
	pm_buf_append(&all, shb.data, shb.len);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	pm_buf_append(&all, idb[0].data, idb[0].len);
	for (int i = 0; i < 3; i++) {
		make_epb(&e, 0, (uint64_t)i, 60);
		CHECK_RC(pm_sink_write(s, e.data, e.len), 0);
		pm_buf_append(&all, e.data, e.len);
	}
	/* Misuse is refused without writing anything. */
	CHECK_RC(pm_sink_write(s, idb[1].data, idb[1].len), -EINVAL);
	CHECK_RC(pm_sink_write(s, e.data, e.len - 4), -EINVAL);
	CHECK_RC(pm_sink_write(s, NULL, 0), -EINVAL);
	CHECK_RC(pm_sink_add_interface(s, e.data, e.len), -EINVAL);
	make_epb(&e, 1, 9, 60); /* interface 1 has no IDB yet */
	CHECK_RC(pm_sink_write(s, e.data, e.len), -EINVAL);
	make_trailer(&t, 2, 10); /* an ISB for interface 1 */
	CHECK_RC(pm_sink_write(s, t.data, t.len), -EINVAL);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.bytes_written == 0); /* all still buffered */
	CHECK_RC(pm_sink_flush(s), 0);
	pm_sink_get_stats(s, &st);
	CHECK(st.bytes_written == all.len && st.blocks_written == 3 && st.files_opened == 0);
	CHECK(file_size(path) == (long long)all.len);
	make_trailer(&t, 1, 100);
	pm_buf_append(&all, t.data, t.len);
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	CHECK(fcntl(fd, F_GETFD) != -1); /* close_on_free was false */
	close(fd);
	size_t n = 0;
	uint8_t *d = load(path, &n);
	CHECK(d && n == all.len && memcmp(d, all.data, n) == 0);
	free(d);
	struct file_check fc;
	if (check_file(path, 0, &fc))
		CHECK(fc.nseq == 3 && fc.n_idb == 1 && fc.n_trailer == 2);
	pm_buf_free(&all);
	pm_buf_free(&e);
	pm_buf_free(&t);
}

/* A non-blocking pipe and a reader that is slower than the writer: the sink
 * must wait (poll) and finish partial writes, losing and repeating nothing. */
/* A stream's header (the SHB and interface 0), given to the sink and kept in `all`:
 * what the reader of the stream must get first. */
static void begin_stream(struct pm_sink *s, struct pm_buf *all)
{
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	pm_buf_append(all, shb.data, shb.len);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	pm_buf_append(all, idb[0].data, idb[0].len);
}

static void test_fd_pipe_slow_reader(void)
{
	char out[512];
	path_in_tmp(out, sizeof(out), "pipe_copy.pcapng");
	int p[2];
	CHECK(pipe(p) == 0);
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		FILE *f = fopen(out, "wb");
		char buf[3000];
		ssize_t r;
		int i = 0;
		while ((r = read(p[0], buf, sizeof(buf))) != 0) {
			if (r < 0) {
				if (errno == EINTR)
					continue;
				_exit(2);
			}
			fwrite(buf, 1, (size_t)r, f);
			if (++i % 8 == 0)
				usleep(2000);
		}
		fclose(f);
		_exit(0);
	}
	close(p[0]);
	struct pm_sink *s = pm_sink_open_fd(p[1], true);
	CHECK(s != NULL);
	struct pm_buf all, e;
	pm_buf_init(&all);
	pm_buf_init(&e);
	begin_stream(s, &all);
	for (int i = 0; i < 300; i++) {
		make_epb(&e, 0, (uint64_t)i, 1500);
		CHECK_RC(pm_sink_write(s, e.data, e.len), 0);
		pm_buf_append(&all, e.data, e.len);
	}
	/* Several blocks in one call, larger than the write buffer: written directly. */
	pm_buf_reset(&e);
	struct pm_buf big;
	pm_buf_init(&big);
	for (int i = 300; i < 400; i++) {
		make_epb(&e, 0, (uint64_t)i, 2000);
		pm_buf_append(&big, e.data, e.len);
	}
	CHECK(big.len > PM_SINK_BUF_SIZE);
	CHECK_RC(pm_sink_write(s, big.data, big.len), 0);
	pm_buf_append(&all, big.data, big.len);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.blocks_written == 400);
	CHECK_RC(pm_sink_close(s, NULL, 0), 0);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	size_t n = 0;
	uint8_t *d = load(out, &n);
	CHECK(d && n == all.len && memcmp(d, all.data, n) == 0);
	free(d);
	pm_buf_free(&all);
	pm_buf_free(&e);
	pm_buf_free(&big);
}

/* Wireshark closing the extcap fifo: the next write gets EPIPE. The sink must
 * report PM_SINK_ERR_PIPE and must not let SIGPIPE kill us (its default
 * action is left in place on purpose). */
static void test_fd_epipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	for (int variant = 0; variant < 2; variant++) {
		int p[2];
		CHECK(pipe(p) == 0);
		close(p[0]); /* the reader is gone */
		struct pm_sink *s = pm_sink_open_fd(p[1], true);
		CHECK(s != NULL);
		if (!s)
			return;
		CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0); /* buffered: no error yet */
		if (variant == 0) {
			CHECK_RC(pm_sink_flush(s), PM_SINK_ERR_PIPE);
		} else {
			/* A write larger than the buffer goes straight to the fd. */
			struct pm_buf big, e;
			pm_buf_init(&big);
			pm_buf_init(&e);
			for (int i = 0; i < 60; i++) {
				make_epb(&e, 0, (uint64_t)i, 2000);
				pm_buf_append(&big, e.data, e.len);
			}
			CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
			CHECK_RC(pm_sink_write(s, big.data, big.len), PM_SINK_ERR_PIPE);
			pm_buf_free(&big);
			pm_buf_free(&e);
		}
		CHECK(strstr(pm_sink_last_error(s), "pipe") != NULL);
		/* Sticky: the caller may check any later call. */
		struct pm_buf e;
		pm_buf_init(&e);
		make_epb(&e, 0, 1, 60);
		CHECK_RC(pm_sink_write(s, e.data, e.len), PM_SINK_ERR_PIPE);
		CHECK_RC(pm_sink_flush(s), PM_SINK_ERR_PIPE);
		pm_buf_free(&e);
		sigset_t pending;
		sigpending(&pending);
		CHECK(!sigismember(&pending, SIGPIPE));
		CHECK_RC(pm_sink_close(s, NULL, 0), PM_SINK_ERR_PIPE);
		CHECK(fcntl(p[1], F_GETFD) == -1); /* closed by the sink */
	}
}

/* --- file output ---------------------------------------------------------------------------------- */

static void test_file_names(void)
{
	char o[256];
	CHECK(pm_sink_file_name("cap.pcapng", 0, o, sizeof(o)) == 0 && strcmp(o, "cap.pcapng") == 0);
	CHECK(pm_sink_file_name("cap.pcapng", 1, o, sizeof(o)) == 0 && strcmp(o, "cap_1.pcapng") == 0);
	CHECK(pm_sink_file_name("/a.b/cap.x.pcapng", 12, o, sizeof(o)) == 0 &&
	      strcmp(o, "/a.b/cap.x_12.pcapng") == 0);
	CHECK(pm_sink_file_name("dir.d/cap", 2, o, sizeof(o)) == 0 && strcmp(o, "dir.d/cap_2") == 0);
	CHECK(pm_sink_file_name("d/.hidden", 1, o, sizeof(o)) == 0 && strcmp(o, "d/.hidden_1") == 0);
	CHECK(pm_sink_file_name("cap.pcapng", 1, o, 12) == -1); /* "cap_1.pcapng" needs 13 */
	CHECK(pm_sink_file_name("cap.pcapng", 1, o, 13) == 0);
	CHECK(pm_sink_file_name(NULL, 1, o, sizeof(o)) == -1);
}

static void test_open_errors(void)
{
	char err[256], path[512];
	path_in_tmp(path, sizeof(path), "no/such/dir/x.pcapng");
	CHECK(pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "cannot create") != NULL);
	path_in_tmp(path, sizeof(path), "x.pcapng");
	CHECK(pm_sink_open_file(path, 0, PM_LOG_CIRCULAR, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "size limit") != NULL);
	CHECK(pm_sink_open_file(path, 0, PM_LOG_MULTI_FILE, err, sizeof(err)) == NULL);
	CHECK(pm_sink_open_file("", 0, PM_LOG_SINGLE, err, sizeof(err)) == NULL);
	CHECK(pm_sink_open_file(path, 0, (enum pm_log_mode)7, err, sizeof(err)) == NULL);
	CHECK(!exists(path));
	/* Closing before the SHB leaves no empty (invalid) file behind. */
	struct pm_sink *s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	CHECK(s && exists(path));
	CHECK_RC(pm_sink_close(s, NULL, 0), -EINVAL);
	CHECK(!exists(path));
	/* An SHB larger than the limit allows is refused. */
	s = pm_sink_open_file(path, 40, PM_LOG_MULTI_FILE, err, sizeof(err));
	CHECK(s != NULL);
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), PM_SINK_ERR_TOO_BIG);
	CHECK_RC(pm_sink_close(s, NULL, 0), -EINVAL);
	CHECK(!exists(path));

}

/* Runs a capture with interfaces appearing mid-way; returns the number of
 * packets written. `sizes` records each packet's block size. */
static int run_capture(struct pm_sink *s, int npkts, size_t *sizes, bool check_cap, uint64_t cap,
		       const char *path, const char *prev)
{
	struct pm_buf e;
	pm_buf_init(&e);
	unsigned n_if = 0;
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[n_if].data, idb[n_if].len), 0);
	n_if++;
	for (int i = 0; i < npkts; i++) {
		/* Add an interface every npkts/4 packets. */
		if (i > 0 && i % (npkts / 4) == 0 && n_if < 4) {
			CHECK_RC(pm_sink_add_interface(s, idb[n_if].data, idb[n_if].len), 0);
			n_if++;
		}
		make_epb(&e, (uint32_t)(i % n_if), (uint64_t)i, (uint32_t)(20 + (i * 37) % 200));
		sizes[i] = e.len;
		CHECK_RC(write_packet(s, e.data, e.len), 0);
		if (check_cap && i % 7 == 0) {
			/* What is on disk is a valid, capped pcapng file at any time. */
			CHECK_RC(pm_sink_flush(s), 0);
			struct file_check fc;
			check_file(pm_sink_current_path(s), cap, &fc);
			if (prev && exists(prev))
				check_file(prev, cap, &fc);
			(void)path;
		}
	}
	pm_buf_free(&e);
	return (int)n_if;
}

/* A name the file system takes but rotation could not extend (its longest file name
 * allowed, 255 here) is refused at the start, not at the first rotation, and the
 * file is not left behind; 11 characters fewer rotate both ways. */
static void test_long_names(void)
{
	char err[1024], base[300], longname[800];
	struct pm_sink *s;
	long max = pathconf(tmpdir, _PC_NAME_MAX);
	if (max <= 20 || max >= 290) {
		printf("test_sink: long names not tried: %s allows names of %ld characters\n", tmpdir, max);
	} else {
		static const enum pm_log_mode modes[] = { PM_LOG_CIRCULAR, PM_LOG_MULTI_FILE };
		for (const enum pm_log_mode *m = modes; m < modes + 2; m++) {
			memset(base, 'n', (size_t)max - 7);
			snprintf(base + max - 7, sizeof(base) - (size_t)max + 7, ".pcapng");
			path_in_tmp(longname, sizeof(longname), base);
			err[0] = 0;
			s = pm_sink_open_file(longname, 4000, *m, err, sizeof(err));
			CHECK(s == NULL, "mode %d: a %ld-character name was taken", (int)*m, max);
			pm_sink_free(s);
			CHECK(strstr(err, *m == PM_LOG_CIRCULAR ? "older segment" : "too long for multi-file"),
			      "mode %d: %s", (int)*m, err);
			CHECK(!exists(longname));
			memset(base, 'n', (size_t)max - 18);
			snprintf(base + max - 18, sizeof(base) - (size_t)max + 18, ".pcapng");
			path_in_tmp(longname, sizeof(longname), base);
			s = pm_sink_open_file(longname, 4000, *m, err, sizeof(err));
			CHECK(s != NULL, "mode %d: %s", (int)*m, err);
			if (s) {
				size_t sizes[400];
				pm_sink_set_trailer_reserve(s, 200, 100);
				run_capture(s, 400, sizes, false, 4000, longname, NULL);
				struct pm_sink_stats st;
				pm_sink_get_stats(s, &st);
				CHECK(st.files_opened > 2 && st.writes_lost == 0, "mode %d: %llu files", (int)*m,
				      (unsigned long long)st.files_opened);
				CHECK_RC(pm_sink_close(s, NULL, 0), 0);
			}
		}
	}
}

static void test_multi_file(void)
{
	char path[512], name[600], err[256];
	path_in_tmp(path, sizeof(path), "multi.pcapng");
	const uint64_t cap = 3000;
	struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_MULTI_FILE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	pm_sink_set_trailer_reserve(s, 200, 100);
	size_t sizes[200];
	int n_if = run_capture(s, 200, sizes, true, cap, path, NULL);
	struct pm_buf t;
	pm_buf_init(&t);
	make_trailer(&t, (unsigned)n_if, 150);
	CHECK(t.len <= 200 + 100u * (unsigned)n_if); /* fits the reserve */
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.blocks_written == 200);
	CHECK(st.files_opened > 5);
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);

	uint64_t next = 0;
	for (unsigned i = 0; i < st.files_opened; i++) {
		pm_sink_file_name(path, i, name, sizeof(name));
		struct file_check fc;
		if (!check_file(name, cap, &fc))
			continue;
		CHECK(fc.nseq > 0 && fc.seqs[0] == next); /* no packet lost or repeated between files */
		next = fc.nseq ? fc.seqs[fc.nseq - 1] + 1 : next;
		bool last = i + 1 == st.files_opened;
		CHECK(fc.n_trailer == (last ? 1u + (unsigned)n_if : 0u));
		if (last)
			CHECK(fc.n_idb == (unsigned)n_if);
		/* No premature rotation: a file is left only when the next block
		 * (<= ~300 bytes) or IDB (<= ~150) would pass limit - reserve. */
		if (!last)
			CHECK((uint64_t)fc.size > cap - (200 + 100u * MAX_IF) - 300 - 150);
	}
	CHECK(next == 200);
	pm_sink_file_name(path, (unsigned)st.files_opened, name, sizeof(name));
	CHECK(!exists(name));

	/* A trailer larger than the reserve goes to a file of its own. */
	s = pm_sink_open_file(path, cap, PM_LOG_MULTI_FILE, err, sizeof(err));
	pm_sink_set_trailer_reserve(s, 0, 0);
	n_if = run_capture(s, 100, sizes, false, cap, path, NULL);
	make_trailer(&t, (unsigned)n_if, 1000);
	pm_sink_get_stats(s, &st);
	uint64_t files = st.files_opened;
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	pm_sink_file_name(path, (unsigned)files, name, sizeof(name));
	struct file_check fc;
	if (check_file(name, cap, &fc))
		CHECK(fc.nseq == 0 && fc.n_idb == (unsigned)n_if && fc.n_trailer == 1u + (unsigned)n_if);
	pm_buf_free(&t);
}

static void test_too_big(void)
{
	char path[512], err[256];
	path_in_tmp(path, sizeof(path), "toobig.pcapng");
	const uint64_t cap = 1000;
	struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_MULTI_FILE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	pm_sink_set_trailer_reserve(s, 100, 0);
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	struct pm_buf e;
	pm_buf_init(&e);
	make_epb(&e, 0, 0, 900);
	CHECK_RC(pm_sink_write(s, e.data, e.len), PM_SINK_ERR_TOO_BIG);
	CHECK(strstr(pm_sink_last_error(s), "cannot fit") != NULL);
	/* Not sticky: a packet that fits is still written. */
	make_epb(&e, 0, 1, 100);
	CHECK_RC(pm_sink_write(s, e.data, e.len), 0);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.files_opened == 1 && st.blocks_written == 1);
	/* Interfaces until the SHB + IDBs alone exceed the limit: fatal. */
	int rc = 0;
	for (int i = 1; i < MAX_IF && rc == 0; i++)
		rc = pm_sink_add_interface(s, idb[i].data, idb[i].len);
	CHECK(rc == PM_SINK_ERR_TOO_BIG);
	CHECK_RC(pm_sink_write(s, e.data, e.len), PM_SINK_ERR_TOO_BIG);
	CHECK_RC(pm_sink_close(s, NULL, 0), PM_SINK_ERR_TOO_BIG);
	pm_sink_get_stats(NULL, &st);
	/* Whatever was written is still valid and capped. */
	char name[600];
	for (unsigned i = 0; pm_sink_file_name(path, i, name, sizeof(name)) == 0 && exists(name); i++) {
		struct file_check fc;
		check_file(name, cap, &fc);
	}
	pm_buf_free(&e);
}

static void test_single_capped(void)
{
	char path[512], err[256];
	path_in_tmp(path, sizeof(path), "single.pcapng");
	const uint64_t cap = 2500;
	struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_SINGLE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	pm_sink_set_trailer_reserve(s, 300, 100);
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	struct pm_buf e, t;
	pm_buf_init(&e);
	pm_buf_init(&t);
	int i, rc = 0, accepted = 0;
	for (i = 0; i < 100; i++) {
		make_epb(&e, 0, (uint64_t)i, 100);
		rc = write_packet(s, e.data, e.len);
		if (rc)
			break;
		accepted++;
	}
	CHECK(rc == PM_SINK_ERR_FULL && accepted > 5);
	/* Full is sticky even for a block that would fit. */
	make_epb(&e, 0, 999, 8);
	CHECK_RC(write_packet(s, e.data, e.len), PM_SINK_ERR_FULL);
	CHECK_RC(pm_sink_add_interface(s, idb[1].data, idb[1].len), PM_SINK_ERR_FULL);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.blocks_written == (uint64_t)accepted && st.blocks_dropped == 2 && st.files_opened == 1);
	CHECK(st.file_bytes <= cap - 300 - 100);
	/* Interface 1 was added (it has an id) but its IDB could not go in the
	 * full file: its ISB is left out of the trailer, the rest is written. */
	make_trailer(&t, 2, 200);
	CHECK(t.len <= 400);
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	struct file_check fc;
	if (check_file(path, cap, &fc))
		CHECK(fc.nseq == (size_t)accepted && fc.seqs[0] == 0 && fc.n_trailer == 2 && fc.n_idb == 1);

	/* With no reserve the trailer cannot fit: left out, reported, file still valid. */
	s = pm_sink_open_file(path, cap, PM_LOG_SINGLE, err, sizeof(err));
	pm_sink_set_trailer_reserve(s, 0, 0);
	pm_sink_set_header(s, shb.data, shb.len);
	pm_sink_add_interface(s, idb[0].data, idb[0].len);
	for (i = 0; i < 100; i++) {
		make_epb(&e, 0, (uint64_t)i, 8);
		if (write_packet(s, e.data, e.len))
			break;
	}
	make_trailer(&t, 1, 200);
	CHECK_RC(pm_sink_close(s, t.data, t.len), PM_SINK_ERR_TOO_BIG);
	if (check_file(path, cap, &fc))
		CHECK(fc.n_trailer == 0 && fc.nseq == (size_t)i);

	/* No limit: everything goes in. */
	s = pm_sink_open_file(path, 0, PM_LOG_CIRCULAR, err, sizeof(err) - 1);
	CHECK(s == NULL); /* circular needs a limit */
	s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	pm_sink_set_header(s, shb.data, shb.len);
	pm_sink_add_interface(s, idb[0].data, idb[0].len);
	for (i = 0; i < 1000; i++) {
		make_epb(&e, 0, (uint64_t)i, 500);
		CHECK_RC(write_packet(s, e.data, e.len), 0);
	}
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	if (check_file(path, 0, &fc))
		CHECK(fc.nseq == 1000 && fc.n_trailer == 2);
	pm_buf_free(&e);
	pm_buf_free(&t);
}

/* Descriptors of this process open on a deleted circular segment (.prev). */
static int open_deleted_prev(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0; /* no /proc: nothing to check */
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char link[sizeof("/proc/self/fd/") + sizeof(e->d_name)], target[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		n += strstr(target, ".prev (deleted)") != NULL;
	}
	closedir(d);
	return n;
}

static void test_circular(void)
{
	char path[512], prev[512], join[512], err[256];
	path_in_tmp(path, sizeof(path), "circ.pcapng");
	path_in_tmp(prev, sizeof(prev), ".circ.pcapng.prev");
	path_in_tmp(join, sizeof(join), ".circ.pcapng.join");
	const uint64_t cap = 4000;
	struct pm_buf t;
	pm_buf_init(&t);
	size_t sizes[400];

	/* Leftovers of an earlier run must not end up in ours. */
	FILE *f = fopen(prev, "w");
	if (f) {
		fputs("junk", f);
		fclose(f);
	}

	for (int variant = 0; variant < 3; variant++) {
		/* 0: reserve covers the trailer; 1: trailer larger than the reserve;
		 * 2: no trailer at all. */
		struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_CIRCULAR, err, sizeof(err));
		CHECK(s != NULL);
		if (!s)
			return;
		CHECK(!exists(prev));
		if (variant == 0)
			pm_sink_set_trailer_reserve(s, 200, 100);
		else
			pm_sink_set_trailer_reserve(s, 0, 0);
		int npk = 400;
		int n_if = run_capture(s, npk, sizes, true, cap, path, prev);
		CHECK(exists(prev));
		make_trailer(&t, (unsigned)n_if, variant == 1 ? 900 : 150);
		struct pm_sink_stats st;
		pm_sink_get_stats(s, &st);
		CHECK(st.blocks_written == (uint64_t)npk);
		CHECK(st.files_opened > 2);
		CHECK_RC(pm_sink_finish(s, variant == 2 ? NULL : t.data, variant == 2 ? 0 : t.len), 0);
		pm_sink_get_stats(s, &st);
		CHECK_RC(pm_sink_write(s, t.data, t.len), -EINVAL); /* finished */
		pm_sink_free(s);
		CHECK(!exists(prev) && !exists(join));
		struct file_check fc;
		if (!check_file(path, cap, &fc))
			continue;
		/* Every accepted block is either in the file or counted as dropped. */
		CHECK(st.blocks_written - st.blocks_dropped == fc.nseq);
		/* SHB, then every IDB, then the newest packets, then the trailer. */
		size_t hdr = shb.len;
		for (int i = 0; i < n_if; i++)
			hdr += idb[i].len;
		CHECK(fc.n_idb == (unsigned)n_if);
		CHECK(fc.n_trailer == (variant == 2 ? 0u : 1u + (unsigned)n_if));
		CHECK(fc.nseq > 0 && fc.seqs[fc.nseq - 1] == (uint64_t)npk - 1);
		uint64_t first = fc.seqs[0];
		CHECK(first > 0);
		/* As much as fits: one more older packet would break the limit. */
		if (first > 0)
			CHECK((uint64_t)fc.size + sizes[first - 1] > cap);
		/* The header is exactly SHB + every IDB, in order (check_file verified
		 * order and content; here: nothing before the first packet but them). */
		size_t n = 0;
		uint8_t *d = load(path, &n);
		CHECK(d && n > hdr && pm_get_le32(d + hdr) == PCAPNG_BT_EPB);
		free(d);
	}

	/* Small capture, no rotation: the file is written in place. */
	struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_CIRCULAR, err, sizeof(err));
	pm_sink_set_trailer_reserve(s, 200, 100);
	run_capture(s, 8, sizes, false, cap, path, prev);
	CHECK(!exists(prev));
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.files_opened == 1 && st.blocks_dropped == 0);
	make_trailer(&t, 4, 100);
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	struct file_check fc;
	if (check_file(path, cap, &fc))
		CHECK(fc.nseq == 8 && fc.seqs[0] == 0 && fc.n_trailer == 5);

	/* pm_sink_free without finishing still joins into a valid file. */
	s = pm_sink_open_file(path, cap, PM_LOG_CIRCULAR, err, sizeof(err));
	run_capture(s, 400, sizes, false, cap, path, prev);
	pm_sink_free(s);
	CHECK(!exists(prev) && !exists(join));
	if (check_file(path, cap, &fc))
		CHECK(fc.nseq < 400 && fc.seqs[fc.nseq - 1] == 399 && fc.n_trailer == 0);
	pm_buf_free(&t);
	/* every replaced segment is let go (by a thread of its own): no descriptor of a
	 * deleted .prev stays open, or its space would never come back */
	int held = -1;
	for (int tries = 0; tries < 200 && held != 0; tries++) {
		if (tries)
			usleep(5000);
		held = open_deleted_prev();
	}
	CHECK(held == 0, "%d descriptors of replaced segments still open", held);
}

/* `pktmon start -f /dev/null` (circular by default) once renamed /dev/null away at its
 * first rotation and left a regular file in its place. A fifo stands in for the device:
 * whatever the mode and limit, it is written whole, as a stream, and stays a fifo. */
static void test_not_a_regular_file(void)
{
	char fifo[512], copy[512], prev[512], err[256];
	path_in_tmp(fifo, sizeof(fifo), "out.fifo");
	path_in_tmp(copy, sizeof(copy), "fifo_copy.pcapng");
	path_in_tmp(prev, sizeof(prev), ".out.fifo.prev");
	const enum pm_log_mode modes[] = { PM_LOG_CIRCULAR, PM_LOG_MULTI_FILE, PM_LOG_SINGLE };
	alarm(60); /* a renamed fifo is opened by the join, which then waits for a writer forever */
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		unlink(fifo);
		CHECK(mkfifo(fifo, 0600) == 0);
		pid_t pid = fork();
		if (pid == 0) { /* the reader: copies the fifo into a file */
			int in = open(fifo, O_RDONLY);
			FILE *f = fopen(copy, "wb");
			char buf[4096];
			ssize_t r;
			while (in >= 0 && f && ((r = read(in, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)))
				if (r > 0)
					fwrite(buf, 1, (size_t)r, f);
			_exit(in >= 0 && f && fclose(f) == 0 ? 0 : 2);
		}
		const uint64_t cap = 4000;
		struct pm_sink *s = pm_sink_open_file(fifo, cap, modes[m], err, sizeof(err));
		CHECK(s != NULL, "mode %d: %s", (int)modes[m], err);
		if (!s) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			continue;
		}
		struct pm_buf all, e, t;
		pm_buf_init(&all);
		pm_buf_init(&e);
		pm_buf_init(&t);
		begin_stream(s, &all);
		for (int i = 0; i < 200; i++) { /* ~100 KB: 25 times the limit */
			make_epb(&e, 0, (uint64_t)i, 400);
			CHECK_RC(pm_sink_write(s, e.data, e.len), 0);
			pm_buf_append(&all, e.data, e.len);
		}
		make_trailer(&t, 1, 100);
		pm_buf_append(&all, t.data, t.len);
		struct pm_sink_stats st;
		pm_sink_get_stats(s, &st);
		CHECK(st.files_opened == 1 && st.blocks_dropped == 0, "mode %d: %llu files, %llu dropped",
		      (int)modes[m], (unsigned long long)st.files_opened, (unsigned long long)st.blocks_dropped);
		CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		struct stat sb;
		CHECK(lstat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode), "mode %d: the fifo was replaced", (int)modes[m]);
		CHECK(!exists(prev));
		char next[512];
		CHECK(pm_sink_file_name(fifo, 1, next, sizeof(next)) == 0 && !exists(next));
		size_t n = 0;
		uint8_t *d = load(copy, &n);
		CHECK(d && n == all.len && memcmp(d, all.data, n) == 0, "mode %d: %zu of %zu bytes", (int)modes[m], n,
		      all.len);
		free(d);
		pm_buf_free(&all);
		pm_buf_free(&e);
		pm_buf_free(&t);
	}
	unlink(fifo);
	unlink(copy);
	alarm(0);
}

/* A circular capture through a symbolic link ends in the file the link names: rotating by
 * rename() once moved the link itself and left a regular file in its place, the named
 * file holding a stale first segment. */
static void test_circular_symlink(void)
{
	char dir[512], real[600], link[512], err[256], hidden[700];
	path_in_tmp(dir, sizeof(dir), "linked");
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(real, sizeof(real), "%s/real.pcapng", dir);
	path_in_tmp(link, sizeof(link), "link.pcapng");
	CHECK(symlink(real, link) == 0);
	const uint64_t cap = 4000;
	size_t sizes[400];
	struct pm_sink *s = pm_sink_open_file(link, cap, PM_LOG_CIRCULAR, err, sizeof(err));
	CHECK(s != NULL, "%s", err);
	if (!s)
		return;
	pm_sink_set_trailer_reserve(s, 200, 100);
	int n_if = run_capture(s, 400, sizes, false, cap, link, NULL);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(st.files_opened > 2);
	struct pm_buf t;
	pm_buf_init(&t);
	make_trailer(&t, (unsigned)n_if, 150);
	CHECK_RC(pm_sink_close(s, t.data, t.len), 0);
	pm_buf_free(&t);
	struct stat sb;
	CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "the link was replaced");
	struct file_check fc;
	if (check_file(real, cap, &fc))
		CHECK(fc.nseq > 0 && fc.seqs[fc.nseq - 1] == 399 && fc.n_trailer == 1u + (unsigned)n_if);
	snprintf(hidden, sizeof(hidden), "%s/.real.pcapng.prev", dir);
	CHECK(!exists(hidden));
	snprintf(hidden, sizeof(hidden), "%s/.real.pcapng.join", dir);
	CHECK(!exists(hidden));
	path_in_tmp(hidden, sizeof(hidden), ".link.pcapng.prev");
	CHECK(!exists(hidden));
}

/* The join's own accounting, observed through a sink whose stats we read just
 * before close, then verified against the final file. */
static void test_circular_counts(void)
{
	char path[512], err[256];
	path_in_tmp(path, sizeof(path), "count.pcapng");
	const uint64_t cap = 5000;
	struct pm_sink *s = pm_sink_open_file(path, cap, PM_LOG_CIRCULAR, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	pm_sink_set_trailer_reserve(s, 0, 0);
	struct pm_buf e;
	pm_buf_init(&e);
	pm_sink_set_header(s, shb.data, shb.len);
	pm_sink_add_interface(s, idb[0].data, idb[0].len);
	int n = 0;
	struct pm_sink_stats st;
	/* Fill until exactly the moment of the second rotation has happened. */
	for (; n < 1000; n++) {
		make_epb(&e, 0, (uint64_t)n, 100);
		CHECK_RC(write_packet(s, e.data, e.len), 0);
		pm_sink_get_stats(s, &st);
		if (st.files_opened == 3)
			break;
	}
	/* The first segment was replaced: all its packets are counted as dropped. */
	CHECK(st.blocks_dropped > 0 && st.blocks_dropped < (uint64_t)n);
	uint64_t dropped_by_rotation = st.blocks_dropped;
	CHECK_RC(pm_sink_close(s, NULL, 0), 0);
	struct file_check fc;
	if (check_file(path, cap, &fc)) {
		CHECK(fc.seqs[fc.nseq - 1] == (uint64_t)n);
		CHECK(fc.seqs[0] >= dropped_by_rotation);
	}
	pm_buf_free(&e);
}

/* Garbage handed to the sink is refused, never written, never a crash. */
static void test_random_input(void)
{
	int fd = open("/dev/null", O_WRONLY);
	struct pm_sink *s = pm_sink_open_fd(fd, true);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	uint8_t buf[64];
	srand(777);
	int accepted = 0;
	uint32_t n_if = 1;
	for (int round = 0; round < 50000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(rand() % 3 == 0 ? rand() : rand() % 16);
		/* Sometimes make the framing plausible to get past the first checks. */
		if (n >= 12 && round % 2) {
			n &= ~(size_t)3;
			buf[4] = (uint8_t)n, buf[5] = buf[6] = buf[7] = 0;
			buf[n - 4] = (uint8_t)n, buf[n - 3] = buf[n - 2] = buf[n - 1] = 0;
		}
		int rc = pm_sink_write(s, buf, n);
		CHECK(rc == 0 || rc == -EINVAL);
		if (rc == 0) {
			uint32_t type = pm_get_le32(buf);
			CHECK(type != PCAPNG_BT_SHB && type != PCAPNG_BT_IDB);
			CHECK((type != PCAPNG_BT_EPB && type != PCAPNG_BT_ISB) || pm_get_le32(buf + 8) < n_if);
			accepted++;
		}
		rc = pm_sink_add_interface(s, buf, n);
		CHECK(rc == -EINVAL || (rc == 0 && n >= 12 && pm_get_le32(buf) == PCAPNG_BT_IDB));
		n_if += rc == 0;
	}
	CHECK(accepted > 0);
	CHECK_RC(pm_sink_close(s, NULL, 0), 0);
}

/* A disk that fills mid-write (here RLIMIT_FSIZE: a partial write, then EFBIG,
 * as ENOSPC does): the file is cut back to whole blocks, the error is sticky,
 * and every accepted write is either in the file or counted in writes_lost. */
static void test_file_write_error(void)
{
	char path[512];
	path_in_tmp(path, sizeof(path), "full.pcapng");
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_IGN);
	const rlim_t limit = 100000; /* not a block boundary */
	lim.rlim_cur = limit;
	lim.rlim_max = old.rlim_max;
	if (setrlimit(RLIMIT_FSIZE, &lim) < 0) {
		fprintf(stderr, "test_sink: cannot set RLIMIT_FSIZE, skipping the write-error test\n");
		return;
	}
	char err[256];
	struct pm_sink *s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		setrlimit(RLIMIT_FSIZE, &old);
		return;
	}
	struct pm_buf e;
	pm_buf_init(&e);
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	uint64_t accepted = 0;
	int rc = 0;
	for (int i = 0; i < 5000 && rc == 0; i++) {
		make_epb(&e, 0, (uint64_t)i, 100 + (i % 7));
		rc = pm_sink_write(s, e.data, e.len);
		if (rc == 0)
			accepted++;
	}
	CHECK(rc == -EFBIG);
	make_epb(&e, 0, 99999, 60);
	CHECK_RC(pm_sink_write(s, e.data, e.len), -EFBIG); /* sticky */
	CHECK(strstr(pm_sink_last_error(s), "File too large") != NULL);
	CHECK_RC(pm_sink_finish(s, NULL, 0), -EFBIG);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	pm_sink_free(s);
	setrlimit(RLIMIT_FSIZE, &old);
	struct file_check fc;
	if (check_file(path, limit, &fc)) {
		CHECK(fc.nseq > 0 && fc.n_idb == 1 && fc.n_trailer == 0);
		CHECK(fc.nseq + st.writes_lost == accepted, "%zu in the file + %llu lost != %llu accepted",
			  fc.nseq, (unsigned long long)st.writes_lost, (unsigned long long)accepted);
		CHECK(st.writes_lost > 0);
	}
	pm_buf_free(&e);
}

/* The in-place path refuses what pm_sink_write refuses, and writes nothing it does not count. */
static void test_in_place_checks(void)
{
	char path[512], err[256];
	path_in_tmp(path, sizeof(path), "inplace.pcapng");
	struct pm_sink *s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	struct pm_buf e;
	pm_buf_init(&e);
	make_epb(&e, 0, 1, 100);
	int rc = 1;
	CHECK(pm_sink_packet_room(s, e.len, &rc) == NULL && rc == 0, "before the header: left to pm_sink_write");
	CHECK_RC(pm_sink_set_header(s, shb.data, shb.len), 0);
	CHECK_RC(pm_sink_add_interface(s, idb[0].data, idb[0].len), 0);
	CHECK(pm_sink_packet_room(s, PM_SINK_BUF_SIZE, &rc) == NULL && rc == 0, "larger than the buffer: left to pm_sink_write");
	CHECK(pm_sink_packet_room(s, 10, &rc) == NULL && rc == 0, "shorter than any block");
	struct pm_sink_stats before, after;
	pm_sink_get_stats(s, &before);
	uint8_t *room = pm_sink_packet_room(s, e.len, &rc);
	CHECK(room != NULL && rc == 0);
	if (room) {
		memcpy(room, e.data, e.len);
		room[4] ^= 4; /* its length field says otherwise */
		CHECK_RC(pm_sink_commit_packet(s, e.len), -EINVAL);
	}
	make_epb(&e, 1, 2, 100); /* interface 1 has no IDB */
	room = pm_sink_packet_room(s, e.len, &rc);
	if (room) {
		memcpy(room, e.data, e.len);
		CHECK_RC(pm_sink_commit_packet(s, e.len), -EINVAL);
	}
	CHECK_RC(pm_sink_commit_packet(s, PM_SINK_BUF_SIZE), -EINVAL); /* more than any room */
	CHECK_RC(pm_sink_commit_packet(s, 8), -EINVAL);
	pm_sink_get_stats(s, &after);
	CHECK(after.blocks_written == before.blocks_written && after.file_bytes == before.file_bytes,
	      "refused blocks neither counted nor kept");
	make_epb(&e, 0, 0, 100);
	room = pm_sink_packet_room(s, e.len, &rc);
	CHECK(room != NULL);
	if (room) {
		memcpy(room, e.data, e.len);
		CHECK_RC(pm_sink_commit_packet(s, e.len), 0);
	}
	CHECK_RC(pm_sink_close(s, NULL, 0), 0);
	struct file_check fc;
	if (check_file(path, 0, &fc))
		CHECK(fc.nseq == 1 && fc.seqs[0] == 0, "the file holds the one good block (%zu)", fc.nseq);
	pm_buf_free(&e);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/pm_sink_XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	make_headers();
	test_fd_regular();
	test_file_write_error();
	test_fd_pipe_slow_reader();
	test_fd_epipe();
	test_file_names();
	test_open_errors();
	test_long_names();
	test_multi_file();
	test_too_big();
	test_single_capped();
	test_circular();
	test_circular_counts();
	test_not_a_regular_file();
	test_circular_symlink();
	test_random_input();
	/* the same file rules with packet blocks encoded in place (the session's path) */
	in_place = true;
	test_multi_file();
	test_single_capped();
	test_circular();
	test_circular_counts();
	test_in_place_checks();
	if (failures) {
		fprintf(stderr, "test_sink: %d failure(s); files kept in %s\n", failures, tmpdir);
		return 1;
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("test_sink: all passed\n");
	return 0;
}
