/* SPDX-License-Identifier: MIT */
/*
 * cmd_hex2pkt.c - `pktmon hex2pkt`: decode a packet given as a hex dump, as Windows
 * `pktmon hex2pkt` does. The hex comes from the arguments, a file (-f) or standard input;
 * plain hex ("4500003c..."), bytes separated by spaces, colons or dashes, and dumps with an
 * offset column (tcpdump -xx, xxd, `pktmon format --hex`) are understood. The decode is
 * the one `pktmon format` prints (capture-core's packet_decode.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "packet_decode.h"
#include "packet_text.h"

enum { HEX_MAX = 65535 };

static void hex2pkt_usage(FILE *f)
{
	fputs("Usage: pktmon hex2pkt HEX... [-t TYPE]\n"
	      "       pktmon hex2pkt -f FILE [-t TYPE]     (FILE '-' is standard input)\n"
	      "\n"
	      "Decodes a packet given as a hex dump and prints it as `pktmon format` does: the\n"
	      "one-line summary, then the headers found. HEX may be split over several\n"
	      "arguments; bytes may be separated by spaces, ':' or '-', and may carry a 0x\n"
	      "prefix. A line that starts with an offset ending in ':' (tcpdump -xx, xxd,\n"
	      "`pktmon format --hex`) gives at most 16 bytes, and its text column (after two\n"
	      "spaces) is ignored.\n"
	      "\n"
	      "  -t, --type TYPE   what the bytes start with: Ethernet (default), IP (v4 or v6\n"
	      "                    by the version field), IPv4, IPv6, SLL (Linux cooked),\n"
	      "                    SLL2. Windows' WiFi and HTTP have no Linux equivalent.\n"
	      "  -f, --file FILE   read the hex from FILE\n"
	      "  -h, --help        this text\n"
	      "\n"
	      "Exit status: 0 decoded; 1 the bytes are not a packet of that type, or the file\n"
	      "cannot be read; 2 bad usage or text that is not hex.\n",
	      f);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

struct hexbuf {
	uint8_t b[HEX_MAX];
	size_t n;
	int half; /* a high nibble waiting for its low one, else -1 */
};

/* One token: hex digits with an optional 0x prefix. Returns the bytes it added (max to take),
 * or -1 with err set if it is not hex. */
static int add_token(struct hexbuf *h, const char *tok, size_t len, size_t max, char *err, size_t errlen)
{
	if (len > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		tok += 2;
		len -= 2;
	}
	size_t before = h->n;
	for (size_t i = 0; i < len; i++) {
		int v = hexval((unsigned char)tok[i]);
		if (v < 0) {
			snprintf(err, errlen, "'%.*s' is not hex (the character '%c')", (int)(len > 40 ? 40 : len), tok,
				 isprint((unsigned char)tok[i]) ? tok[i] : '?');
			return -1;
		}
		if (h->half < 0) {
			h->half = v;
			continue;
		}
		if (h->n == HEX_MAX) {
			snprintf(err, errlen, "more than %d bytes", HEX_MAX);
			return -1;
		}
		h->b[h->n++] = (uint8_t)(h->half << 4 | v);
		h->half = -1;
		if (h->n - before == max)
			break;
	}
	return (int)(h->n - before);
}

/* One line of text. */
static int add_line(struct hexbuf *h, const char *line, char *err, size_t errlen)
{
	const char *p = line;
	size_t max = (size_t)-1;
	while (*p && isspace((unsigned char)*p))
		p++;
	/* an offset column: "0x0000:", "00000010:" */
	const char *colon = p + strspn(p, "0123456789abcdefABCDEFxX");
	if (colon > p && *colon == ':' && (colon[1] == 0 || isspace((unsigned char)colon[1]))) {
		p = colon + 1;
		max = 16;
	}
	size_t taken = 0;
	while (*p && taken < max) {
		/* in a dump line, two spaces after the hex begin the text column (xxd, format --hex) */
		if (max != (size_t)-1 && taken && p[0] == ' ' && p[1] == ' ')
			break;
		while (*p && (isspace((unsigned char)*p) || *p == ':' || *p == '-' || *p == ','))
			p++;
		size_t len = 0;
		while (p[len] && !isspace((unsigned char)p[len]) && p[len] != ':' && p[len] != '-' && p[len] != ',')
			len++;
		if (!len)
			break;
		int got = add_token(h, p, len, max - taken, err, errlen);
		if (got < 0)
			return -1;
		taken += (size_t)got;
		p += len;
	}
	return 0;
}

static const struct {
	const char *name;
	uint16_t linktype;
} types[] = {
	{ "ethernet", 1 }, { "eth", 1 },   { "ip", 101 },   { "ipv4", 228 },
	{ "ipv6", 229 },   { "sll", 113 }, { "sll2", 276 },
};

static int parse_type(const char *name, uint16_t *lt)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(name, types[i].name)) {
			*lt = types[i].linktype;
			return 0;
		}
	if (!strcasecmp(name, "wifi") || !strcasecmp(name, "http"))
		return cli_fail(-1, "hex2pkt: -t %s has no Linux equivalent: use Ethernet, IP, IPv4, IPv6, SLL or SLL2",
				name);
	return cli_fail(-1, "hex2pkt: -t takes Ethernet, IP, IPv4, IPv6, SLL or SLL2, not '%s'", name);
}

int cmd_hex2pkt(int argc, char **argv)
{
	uint16_t lt = 1;
	const char *type = "Ethernet", *file = NULL;
	/* options anywhere, as in Windows' `pktmon hex2pkt 00155D... -t IP`; the rest is hex */
	char **hex = calloc((size_t)argc + 1, sizeof(*hex));
	if (!hex)
		return cli_fail(1, "out of memory");
	int nargs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			free(hex);
			hex2pkt_usage(stdout);
			return 0;
		}
		bool is_t = !strcmp(a, "-t") || !strcmp(a, "--type"), is_f = !strcmp(a, "-f") || !strcmp(a, "--file");
		if (is_t || is_f) {
			if (i + 1 == argc) {
				free(hex);
				return cli_fail(EXIT_USAGE, "hex2pkt: option '%s' needs a value", a);
			}
			if (is_f) {
				file = argv[++i];
			} else if (parse_type(argv[++i], &lt) < 0) {
				free(hex);
				return EXIT_USAGE;
			} else {
				type = argv[i];
			}
		} else if (a[0] == '-' && a[1] && !(a[1] == '-' && !a[2])) {
			free(hex);
			return cli_fail(EXIT_USAGE, "hex2pkt: unknown option '%s' (see pktmon hex2pkt --help)", a);
		} else {
			hex[nargs++] = argv[i];
		}
	}
	if ((file && nargs) || (!file && !nargs))
		free(hex);
	if (file && nargs)
		return cli_fail(EXIT_USAGE, "hex2pkt: the hex comes from -f %s or from the arguments, not both", file);
	if (!file && !nargs)
		return cli_fail(EXIT_USAGE, "hex2pkt: which packet? (pktmon hex2pkt HEX, or -f FILE)");

	struct hexbuf *h = calloc(1, sizeof(*h));
	if (!h)
		return cli_fail(1, "out of memory");
	h->half = -1;
	char err[160] = "";
	int rc = 0;
	if (file) {
		FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
		if (!in) {
			rc = cli_fail(1, "hex2pkt: cannot open %s: %s", file, strerror(errno));
			goto out;
		}
		char *line = NULL;
		size_t cap = 0;
		unsigned long lineno = 0;
		while (getline(&line, &cap, in) > 0) {
			lineno++;
			if (add_line(h, line, err, sizeof(err)) < 0) {
				rc = cli_fail(EXIT_USAGE, "hex2pkt: %s, line %lu: %s", file, lineno, err);
				break;
			}
		}
		bool failed = ferror(in);
		free(line);
		if (in != stdin)
			fclose(in);
		if (rc)
			goto out;
		if (failed) {
			rc = cli_fail(1, "hex2pkt: cannot read %s", file);
			goto out;
		}
	} else {
		for (int i = 0; i < nargs; i++)
			if (add_line(h, hex[i], err, sizeof(err)) < 0) {
				rc = cli_fail(EXIT_USAGE, "hex2pkt: %s", err);
				goto out;
			}
	}
	if (h->half >= 0) {
		rc = cli_fail(EXIT_USAGE, "hex2pkt: an odd number of hex digits (%zu bytes and a half)", h->n);
		goto out;
	}
	if (!h->n) {
		rc = cli_fail(EXIT_USAGE, "hex2pkt: no hex digits");
		goto out;
	}
	if (lt == 101 && (h->b[0] >> 4) != 4 && (h->b[0] >> 4) != 6) {
		rc = cli_fail(1, "hex2pkt: not an IP packet: the version field is %u (-t IP)", h->b[0] >> 4);
		goto out;
	}
	struct pm_decoded d;
	pm_packet_decode(lt, h->b, (uint32_t)h->n, (uint32_t)h->n, &d);
	if (!d.ok) {
		rc = cli_fail(1, "hex2pkt: %zu bytes that do not decode as %s: %s", h->n, type, d.summary);
		goto out;
	}
	printf("%s, %zu bytes\n\t%s\n", type, h->n, d.summary);
	packet_fields_text(stdout, &d, true);
out:
	free(h);
	free(hex);
	return rc;
}
