/* SPDX-License-Identifier: MIT */
/*
 * sink.h - where a session's pcapng blocks go: a file (optionally size-capped,
 * single / circular / multi-file) or an already-open fd (e.g. Wireshark's
 * extcap fifo).
 *
 * The caller encodes blocks (pcapng.h) and hands them over in this order:
 *   pm_sink_set_header(SHB)                  once, first
 *   pm_sink_add_interface(IDB)               whenever a new interface appears
 *   pm_sink_write(EPB ...)                   packet blocks
 *   pm_sink_flush()                          whenever the reader should see data
 *   pm_sink_close(rundown CB + ISBs)         once, last; frees the sink
 *     (or pm_sink_finish, read the final stats, pm_sink_free)
 *
 * Every file the sink starts begins with the SHB and then every IDB added so
 * far, in the order they were added, so interface ids in EPBs mean the same in
 * every file. Not thread-safe: use one sink from one thread.
 *
 * Return values: 0 on success or a negative code:
 *   PM_SINK_ERR_PIPE     the reader of a pipe/fifo went away (Wireshark
 *                        stopped the capture): stop cleanly. Sticky.
 *   PM_SINK_ERR_FULL     PM_LOG_SINGLE with a size limit: the file is full.
 *                        Sticky: the file keeps a gap-free prefix of the
 *                        capture and every later block is refused (counted in
 *                        blocks_dropped).
 *   PM_SINK_ERR_TOO_BIG  the block cannot fit in any file under the size
 *                        limit, even right after the SHB and IDBs (it is not
 *                        written; later smaller blocks may still be).
 *   -EINVAL              misuse: blocks that are not well-formed pcapng
 *                        blocks, an SHB/IDB passed to pm_sink_write, a call
 *                        before pm_sink_set_header. Nothing is written.
 *   other -errno         an I/O error (sticky: later calls return it again).
 * pm_sink_last_error() describes the latest failure in words.
 */
#ifndef PKTMON_SINK_H
#define PKTMON_SINK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pm_log_mode {
	/* One file. With a size limit, writing stops when it is full. */
	PM_LOG_SINGLE = 0,
	/*
	 * One file holding the newest data. While capturing, the data lives in two
	 * segments, FILE and the hidden DIR/.BASE.prev (for FILE = DIR/BASE), each a
	 * valid pcapng file of at most the limit: when FILE is full it is renamed
	 * to .BASE.prev (replacing the older one) and a new FILE is started.
	 * pm_sink_close joins them into FILE (through the hidden DIR/.BASE.join,
	 * renamed over FILE): SHB, every IDB, then the newest packet blocks of
	 * .prev and FILE that fit (whole blocks, oldest dropped), then the trailer,
	 * and removes the hidden files. So the final FILE is at most the limit and
	 * holds as much of the newest data as fits, but up to twice the limit is on
	 * disk while capturing. If the process dies before pm_sink_close, FILE is
	 * still a valid pcapng file with the newest segment.
	 */
	PM_LOG_CIRCULAR = 1,
	/*
	 * A new file each time the current one is full. For FILE = DIR/NAME.EXT
	 * (EXT = from the last '.' in the last path component, if that '.' is not
	 * its first character; else empty): file 0 is FILE itself, file n >= 1 is
	 * DIR/NAME_n.EXT, e.g. cap.pcapng, cap_1.pcapng, cap_2.pcapng;
	 * cap -> cap, cap_1; .hidden -> .hidden, .hidden_1. pm_sink_file_name()
	 * computes them. Existing files of that name are overwritten; files of a
	 * previous run with higher numbers are left alone.
	 */
	PM_LOG_MULTI_FILE = 2,
};

enum {
	PM_SINK_OK = 0,
	PM_SINK_ERR_PIPE = -EPIPE,
	PM_SINK_ERR_FULL = -10001,
	PM_SINK_ERR_TOO_BIG = -10002,
};

/* Size of the write buffer. Data reaches the fd when the buffer fills, on
 * pm_sink_flush and on pm_sink_close. */
#define PM_SINK_BUF_SIZE (64u * 1024u)

/*
 * Trailer reserve: with a size limit, packet blocks and IDBs are written only
 * while the current file stays at or below
 *     limit - min(base + per_interface * number_of_IDBs, limit / 2)
 * so that the end-of-capture trailer (rundown Custom Block + one ISB per
 * interface) still fits at pm_sink_close. The defaults cover a rundown of a
 * few KiB plus, per interface, its ISB (PCAPNG_ISB_LEN), COMPONENT and
 * COUNTERS records and a few DROP_COUNT records. If the real trailer is larger
 * anyway: circular mode drops more old blocks, multi-file mode puts it in a
 * new file (SHB + IDBs + trailer), single mode leaves it out (the file stays
 * valid) and pm_sink_close returns PM_SINK_ERR_TOO_BIG.
 */
#define PM_SINK_DEFAULT_RESERVE_BASE 4096u
#define PM_SINK_DEFAULT_RESERVE_PER_IF 512u

struct pm_sink;

struct pm_sink_stats {
	uint64_t bytes_written;  /* bytes written to fds (includes the circular join) */
	uint64_t blocks_written; /* blocks accepted by pm_sink_write */
	uint64_t blocks_dropped; /* single: blocks refused because the file was full;
				  * circular: accepted blocks since lost (a replaced .prev,
				  * the oldest left out by the join), so after close
				  * written - dropped = blocks in FILE */
	uint64_t files_opened;   /* output files created (multi-file: how many exist) */
	uint64_t file_bytes;     /* size of the current file, buffered bytes included */
	uint64_t writes_lost;    /* pm_sink_write calls that returned 0 but whose blocks never
				  * reached the output: an I/O error (ENOSPC, EIO, the reader
				  * gone) came while they were buffered. A regular file is cut
				  * back to its last whole block, so it stays valid. */
};

/* Writes to an open fd (no size limit, no rotation). A pipe or fifo whose
 * reader is gone yields PM_SINK_ERR_PIPE without raising SIGPIPE. Non-blocking
 * fds are waited on with poll. NULL if fd < 0 or out of memory. */
struct pm_sink *pm_sink_open_fd(int fd, bool close_on_free);

/* Creates (truncates) FILE now, so a bad path fails early. size_limit 0 means
 * none (then every mode behaves as PM_LOG_SINGLE); circular and multi-file
 * need one. A FILE that is not a regular file (/dev/null, a fifo) is written
 * as a stream, as pm_sink_open_fd does: never rotated, renamed or removed.
 * Circular and multi-file captures check now that the names they rotate to can
 * be made (a circular one follows a symbolic link to its file). On failure
 * returns NULL and puts a message in err. */
struct pm_sink *pm_sink_open_file(const char *path, uint64_t size_limit, enum pm_log_mode mode,
				  char *err, size_t errlen);

/* The SHB (exactly one block of type SHB). Must be called once, before anything else. */
int pm_sink_set_header(struct pm_sink *s, const void *shb, size_t len);

/* Overrides the trailer reserve (see above). */
void pm_sink_set_trailer_reserve(struct pm_sink *s, uint64_t base, uint64_t per_interface);

/* Writes one IDB now and remembers it for the start of later files. Its
 * interface id is the number of IDBs added before it. If it cannot be written
 * in a rotating mode because the SHB + all IDBs no longer fit under the limit,
 * the sink fails for good with PM_SINK_ERR_TOO_BIG. */
int pm_sink_add_interface(struct pm_sink *s, const void *idb, size_t len);

/* One or more whole blocks (EPBs, Custom Blocks...; not SHB or IDB). A
 * multi-block write is placed as a unit: never split across files. */
int pm_sink_write(struct pm_sink *s, const void *blocks, size_t len);

/* Encoding a packet block in place, without the copy into the write buffer: pm_sink_packet_room
 * gives len bytes of the buffer (after the size limit's checks and any rotation or flush that
 * pm_sink_write would do), the caller encodes one block of exactly len bytes there and calls
 * pm_sink_commit_packet(len) before any other call. NULL with *rc 0: use pm_sink_write for this
 * block (too large for the buffer, or refused: pm_sink_write then says why); NULL with *rc < 0:
 * as pm_sink_write would have returned. commit checks the block's framing and interface id
 * (-EINVAL: nothing written) and counts it as pm_sink_write does. */
uint8_t *pm_sink_packet_room(struct pm_sink *s, size_t len, int *rc);
int pm_sink_commit_packet(struct pm_sink *s, size_t len);

/* Pushes buffered bytes to the fd. */
int pm_sink_flush(struct pm_sink *s);

/* True if the sink writes to a pipe, fifo or socket whose reader is gone
 * (POLLERR/POLLHUP), which a write would only find out when data comes. The
 * sink then fails for good with PM_SINK_ERR_PIPE. Does not block. */
bool pm_sink_reader_gone(struct pm_sink *s);

/*
 * Ends the output: writes the trailer (whole blocks, may be NULL/0; ISBs of
 * interfaces whose IDB is not in the file are left out, which happens only
 * when a single file filled up), flushes, joins the circular segments and
 * closes the file (or the fd if close_on_free). Returns the first error met,
 * or a sticky earlier one. Afterwards only pm_sink_get_stats,
 * pm_sink_last_error and pm_sink_free may be used (the final counters,
 * including the blocks the circular join dropped, are readable then).
 */
int pm_sink_finish(struct pm_sink *s, const void *trailer, size_t len);
/* Frees the sink; if it was not finished, finishes it without a trailer. */
void pm_sink_free(struct pm_sink *s);
/* pm_sink_finish + pm_sink_free. */
int pm_sink_close(struct pm_sink *s, const void *trailer, size_t len);

void pm_sink_get_stats(const struct pm_sink *s, struct pm_sink_stats *out);
/* Description of the latest failure ("" if none). Valid until the next call. */
const char *pm_sink_last_error(const struct pm_sink *s);
/* The file being written (NULL for an fd sink). */
const char *pm_sink_current_path(const struct pm_sink *s);

/* Name of multi-file output number n (0 = path itself), as described at
 * PM_LOG_MULTI_FILE. Returns 0, or -1 if it does not fit in out. */
int pm_sink_file_name(const char *path, unsigned n, char *out, size_t outlen);

#endif /* PKTMON_SINK_H */
