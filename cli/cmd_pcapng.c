/* SPDX-License-Identifier: MIT */
/*
 * cmd_pcapng.c - `pktmon pcapng`: a filtered copy of a pcapng file that keeps
 * the pktmon metadata, like Windows `pktmon pcapng`.
 *
 * Blocks are copied byte for byte, so the metadata options, comments and the
 * rundown survive unchanged. Every Interface Description Block is kept, so the
 * interface ids in the copied packets stay valid without renumbering (readers
 * show interfaces that have no packets left; that is harmless). The only
 * change to a copied block: a Section Header Block's section length becomes
 * -1 (unknown), because the section is now shorter.
 *
 * Kept: SHB, IDB, matching packets (EPB, SPB, PB), ISB, NRB, DSB, copyable
 * Custom Blocks (our rundown). Dropped: not-copyable Custom Blocks (the
 * pcapng rule for copies) and block types we do not know.
 *
 * The copy is written to a temporary file beside the output and renamed over
 * it at the end, so a failure never leaves half a file under the output name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "frame_filter.h"
#include "pcapng_reader.h"
#include "pktmon_meta.h"

static void pcapng_usage(FILE *f)
{
	fputs("Usage: pktmon pcapng FILE.pcapng [-o OUT.pcapng] [--drop-only] [--component-id ID[,ID...]]\n"
	      "       pktmon etl2pcap ...   (Windows' older name, the same verb)\n"
	      "\n"
	      "Writes a filtered copy of a pcapng file that keeps the pktmon metadata: the\n"
	      "matching packets are copied byte for byte with all their options, and so are\n"
	      "the Section Header, every Interface Description Block (interface ids stay\n"
	      "valid; interfaces with no packet left are kept too), the rundown Custom Block,\n"
	      "the Interface Statistics, Name Resolution and Decryption Secrets Blocks.\n"
	      "Not-copyable Custom Blocks and unknown block types are left out. The\n"
	      "statistics and the rundown still describe the whole capture.\n"
	      "Without a filter the copy has every packet. FILE may be '-' for standard\n"
	      "input, OUT '-' for standard output; otherwise OUT is written to a temporary\n"
	      "file and renamed at the end (an existing OUT is replaced; the input never is;\n"
	      "a symbolic link stays, its file is replaced; a device or fifo is written into).\n"
	      "\n"
	      "  -o, --out, --output OUT the copy; default: FILE without its .pcapng (or .pcap,\n"
	      "                          .etl) extension, then -converted.pcapng (PktMon.pcapng ->\n"
	      "                          PktMon-converted.pcapng); if that exists, -converted-2,\n"
	      "                          -3, ...: the default never replaces a file\n"
	      "  -d, --drop-only         only drops\n"
	      "  -c, --component-id ID   only packets observed at these pktmon component ids;\n"
	      "                          repeat or separate with commas\n"
	      "  -q, --quiet             no summary line\n"
	      "  -h, --help              this text\n"
	      "\n"
	      "format's text options (--stats-only, --timestamp-only, --metadata, --verbose,\n"
	      "--no-ethernet, --hex, --brief) do not apply to a pcapng copy and are refused.\n"
	      "--drop-only and --component-id never select packets without pktmon metadata;\n"
	      "a packet whose metadata is malformed is judged by what could be decoded, with a\n"
	      "warning on standard error.\n"
	      "Exit status: 0 success; 1 the input could not be read or is malformed, or the\n"
	      "output could not be written (nothing is left under OUT then; with -o -, what\n"
	      "was copied before the problem has been written); 2 bad usage.\n",
	      f);
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n > 0) {
		ssize_t w = write(fd, q, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies one block; an SHB gets section length -1 (the same bytes in either byte order). */
static int copy_block(int fd, const struct pcapng_block *b)
{
	if (b->kind != PCAPNG_K_SHB)
		return write_all(fd, b->raw, b->total_len);
	if (write_all(fd, b->raw, 16) < 0)
		return -1;
	static const uint8_t unknown[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (write_all(fd, unknown, sizeof(unknown)) < 0)
		return -1;
	return write_all(fd, b->raw + 24, b->total_len - 24);
}

static bool keep_block(const struct pcapng_block *b)
{
	switch (b->kind) {
	case PCAPNG_K_SHB:
	case PCAPNG_K_IDB:
	case PCAPNG_K_ISB:
		return true;
	case PCAPNG_K_CUSTOM:
		return b->cb.copyable;
	case PCAPNG_K_OTHER:
		return b->type == PCAPNG_RD_BT_NRB || b->type == PCAPNG_RD_BT_DSB;
	default:
		return false; /* packets are decided by the filter */
	}
}

/* The file a symbolic link names, which need not exist yet (malloc'd; NULL if unknown). */
static char *link_target(const char *link)
{
	char *real = realpath(link, NULL);
	if (real || errno != ENOENT)
		return real;
	char target[PATH_MAX];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = 0;
	const char *slash = strrchr(link, '/');
	if (target[0] == '/' || !slash)
		return strdup(target);
	char *joined = NULL;
	if (asprintf(&joined, "%.*s/%s", (int)(slash - link), link, target) < 0)
		return NULL;
	return joined;
}

/* A temporary file in OUT's directory (rename() must not cross file systems). */
static int make_temp(const char *out, char **tmp_path)
{
	char *dcopy = strdup(out), *bcopy = strdup(out);
	int fd = -1;
	*tmp_path = NULL;
	if (dcopy && bcopy &&
	    asprintf(tmp_path, "%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy)) >= 0) {
		fd = mkstemp(*tmp_path);
		if (fd >= 0) {
			/* mkstemp makes it 0600; a copy should get the usual permissions. */
			mode_t um = umask(0);
			umask(um);
			if (fchmod(fd, 0666 & ~um) < 0) {
				/* not fatal: the copy is only more private than usual */
			}
		} else {
			free(*tmp_path);
			*tmp_path = NULL;
		}
	}
	free(dcopy);
	free(bcopy);
	return fd;
}

/* Windows writes log.etl's copy to log.pcapng; ours are pcapng already, so BASE-converted.pcapng,
 * then -converted-2... : the default never replaces a file (and never the input). */
static int default_output(const char *in, char *buf, size_t len)
{
	size_t n = strlen(in);
	static const char *const exts[] = { ".pcapng", ".pcap", ".etl" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && !strcasecmp(in + n - e, exts[i]) && in[n - e - 1] != '/') {
			n -= e;
			break;
		}
	}
	for (int k = 1; k < 1000; k++) {
		int w = k == 1 ? snprintf(buf, len, "%.*s-converted.pcapng", (int)n, in)
			       : snprintf(buf, len, "%.*s-converted-%d.pcapng", (int)n, in, k);
		if (w < 0 || (size_t)w >= len)
			return -1;
		struct stat st;
		if (lstat(buf, &st) < 0 && errno == ENOENT)
			return 0;
	}
	return -1;
}

int cmd_pcapng(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'o' },
		{ "stats-only", no_argument, NULL, 'T' },
		{ "timestamp-only", no_argument, NULL, 'T' },
		{ "metadata", no_argument, NULL, 'T' },
		{ "verbose", required_argument, NULL, 'T' },
		{ "no-ethernet", no_argument, NULL, 'T' },
		{ "hex", no_argument, NULL, 'T' },
		{ "brief", no_argument, NULL, 'T' },
		{ "drop-only", no_argument, NULL, 'd' },
		{ "component-id", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL;
	char *out_real = NULL; /* out_path's file, when out_path is a symbolic link */
	bool quiet = false;
	struct pmf_filter *filter = pmf_filter_new();
	if (!filter)
		return cli_fail(1, "pcapng: out of memory");
	int status = EXIT_USAGE;

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:dc:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'd': pmf_filter_set_drop_only(filter); break;
		case 'c':
			if (pmf_filter_add_ids(filter, optarg, "pcapng"))
				goto out;
			break;
		case 'q': quiet = true; break;
		case 'T':
			cli_fail(EXIT_USAGE, "pcapng: '%s' is a text option of `pktmon format` (etl2txt); a pcapng copy "
					     "keeps every field", argv[optind - 1]);
			goto out;
		case 'h': pcapng_usage(stdout); status = 0; goto out;
		case ':': cli_fail(EXIT_USAGE, "pcapng: option '%s' needs a value", argv[optind - 1]); goto out;
		default:
			if (optopt)
				cli_fail(EXIT_USAGE, "pcapng: unknown option '-%c' (see pktmon pcapng --help)", optopt);
			else
				cli_fail(EXIT_USAGE, "pcapng: unknown option '%s' (see pktmon pcapng --help)", argv[optind - 1]);
			goto out;
		}
	}
	if (optind >= argc) {
		cli_fail(EXIT_USAGE, "pcapng: which file? (pktmon pcapng FILE.pcapng -o OUT.pcapng)");
		goto out;
	}
	if (argc - optind > 1) {
		cli_fail(EXIT_USAGE, "pcapng: unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	const char *in_path = argv[optind];
	char default_out[PATH_MAX];
	if (!out_path && strcmp(in_path, "-")) {
		if (default_output(in_path, default_out, sizeof(default_out)) < 0) {
			cli_fail(1, "pcapng: no free default output name for %s; choose one with -o", in_path);
			goto out;
		}
		out_path = default_out;
	}
	if (!out_path || !*out_path) {
		cli_fail(EXIT_USAGE, "pcapng: reading standard input, the copy needs -o OUT");
		goto out;
	}
	bool in_stdin = !strcmp(in_path, "-"), out_stdout = !strcmp(out_path, "-");
	if (!in_stdin && !out_stdout && (!strcmp(in_path, out_path) || pmf_same_file(in_path, out_path))) {
		cli_fail(EXIT_USAGE, "pcapng: the output %s is the input file; write the copy elsewhere", out_path);
		goto out;
	}

	status = 1;
	int in_fd = in_stdin ? 0 : open(in_path, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		cli_fail(1, "pcapng: cannot open %s: %s", in_path, strerror(errno));
		goto out;
	}
	char *tmp = NULL;
	/* a device or fifo (/dev/null) is written straight: a temporary file renamed over it would
	 * replace it with a regular file */
	struct stat out_st;
	bool out_stream = !out_stdout && stat(out_path, &out_st) == 0 && !S_ISREG(out_st.st_mode);
	/* a symbolic link: the copy replaces the file it names, not the link */
	struct stat out_lst;
	if (!out_stdout && !out_stream && lstat(out_path, &out_lst) == 0 && S_ISLNK(out_lst.st_mode))
		out_real = link_target(out_path);
	const char *out_file = out_real ? out_real : out_path;
	int out_fd = out_stdout ? 1 : out_stream ? open(out_path, O_WRONLY | O_CLOEXEC) : make_temp(out_file, &tmp);
	if (out_fd < 0 && out_stream) {
		cli_fail(1, "pcapng: cannot open %s: %s", out_path, strerror(errno));
		if (!in_stdin)
			close(in_fd);
		goto out;
	}
	if (out_fd < 0) {
		cli_fail(1, "pcapng: cannot create a temporary file beside %s: %s", out_path, strerror(errno));
		if (!in_stdin)
			close(in_fd);
		goto out;
	}
	struct pcapng_reader *r = pcapng_reader_from_fd(in_fd);
	uint64_t frames = 0, kept = 0;
	struct pcapng_block b;
	struct pktmon_meta m;
	int rc = -1;
	if (!r) {
		cli_fail(1, "pcapng: out of memory");
		goto done;
	}
	while ((rc = pcapng_reader_next(r, &b)) == 1) {
		bool keep;
		if (b.kind == PCAPNG_K_PACKET) {
			frames++;
			keep = true;
			if (pmf_filter_active(filter)) {
				const struct pktmon_meta *pm = pmf_decode(&b.pkt, &m);
				if (pm && (pm->status == PKTMON_META_TRUNCATED || pm->status == PKTMON_META_BAD_LENGTH))
					fprintf(stderr, "pktmon: pcapng: warning: frame %llu (offset %llu): pktmon metadata %s "
						"at byte %zu; judged by what could be decoded\n", (unsigned long long)frames,
						(unsigned long long)b.offset, pktmon_meta_status_name(pm->status),
						pm->error_offset);
				keep = pmf_filter_match(filter, pm);
			}
			kept += keep;
		} else {
			keep = keep_block(&b);
		}
		if (keep && copy_block(out_fd, &b) < 0) {
			cli_fail(1, "pcapng: cannot write %s: %s", out_stdout ? "standard output" : out_path,
				 strerror(errno));
			rc = -1;
			break;
		}
	}
	if (rc < 0 && pcapng_reader_error(r) != PCAPNG_RD_OK)
		cli_fail(1, "pcapng: %s: %s (nothing written)", in_stdin ? "standard input" : in_path,
			 pcapng_reader_strerror(r));
done:
	pcapng_reader_free(r);
	if (!in_stdin)
		close(in_fd);
	if (out_stdout) {
		status = rc == 0 ? 0 : 1;
	} else if (out_stream) {
		if (close(out_fd) < 0 && rc == 0) {
			cli_fail(1, "pcapng: cannot write %s: %s", out_path, strerror(errno));
			rc = -1;
		}
		status = rc == 0 ? 0 : 1;
	} else {
		/* fsync: the rename must not publish a file whose data is not on disk yet. */
		if (rc == 0 && (fsync(out_fd) < 0 || close(out_fd) < 0)) {
			cli_fail(1, "pcapng: cannot write %s: %s", out_path, strerror(errno));
			rc = -1;
		} else if (rc != 0) {
			close(out_fd);
		}
		if (rc == 0 && rename(tmp, out_file) < 0) {
			cli_fail(1, "pcapng: cannot rename the copy to %s: %s", out_path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(tmp);
		free(tmp);
		status = rc == 0 ? 0 : 1;
	}
	if (status == 0 && !quiet)
		fprintf(out_stdout ? stderr : stdout, "pktmon: %llu of %llu packet%s written to %s\n",
			(unsigned long long)kept, (unsigned long long)frames, frames == 1 ? "" : "s",
			out_stdout ? "standard output" : out_path);
out:
	free(out_real);
	pmf_filter_free(filter);
	return status;
}
