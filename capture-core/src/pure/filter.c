/* SPDX-License-Identifier: MIT */
/* filter.c - Windows-pktmon-style filters: argv/line parsing, formatting, listing. */
#include "filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pktmon/pktmon.h"

#define PM_LINE_WORDS_MAX 64

struct name_val {
	const char *name;
	unsigned val;
};

static const struct name_val ethertypes[] = {
	{"IPv4", 0x0800}, {"IPv6", 0x86dd}, {"ARP", 0x0806}, {"VLAN", 0x8100},
};

static const struct name_val protos[] = {
	{"TCP", 6}, {"UDP", 17}, {"ICMP", 1}, {"ICMPv6", 58}, {"SCTP", 132}, {"GRE", 47},
};

/* Bit order = PKTMON_TCP_* order, which is also the printing order. */
static const char *const tcp_flag_names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *lookup_name(const struct name_val *t, size_t n, unsigned val)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == val)
			return t[i].name;
	return NULL;
}

const char *pm_ethertype_name(unsigned type)
{
	return lookup_name(ethertypes, sizeof(ethertypes) / sizeof(ethertypes[0]), type);
}

const char *pm_ip_proto_name(unsigned proto)
{
	return lookup_name(protos, sizeof(protos) / sizeof(protos[0]), proto);
}

/* Decimal, or hex with 0x. No sign, no junk, no overflow past max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	int base = 10;
	char *end;
	unsigned long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_named(const char *s, const struct name_val *t, size_t n, unsigned long max,
		       unsigned long *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(s, t[i].name)) {
			*out = t[i].val;
			return 0;
		}
	}
	return parse_uint(s, max, out);
}

static int parse_mac(const char *s, __u8 mac[6])
{
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -1;
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' : (tolower((unsigned char)s[0]) - 'a' + 10);
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' : (tolower((unsigned char)s[1]) - 'a' + 10);
		mac[i] = (__u8)(hi << 4 | lo);
		s += 2;
		if (i == 5)
			break;
		if (*s != ':' && *s != '-')
			return -1;
		if (sep && *s != sep) /* no mixing aa:bb-cc */
			return -1;
		sep = *s++;
	}
	return *s ? -1 : 0;
}

/* IPv4 or IPv6, optional /len. */
static int parse_ip(const char *s, __u8 addr[16], __u8 *family, __u8 *prefix)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen, max;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return -1;
	memcpy(tmp, s, alen);
	tmp[alen] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*family = 6;
		max = 128;
	} else {
		return -1;
	}
	plen = max;
	if (slash && parse_uint(slash + 1, max, &plen))
		return -1;
	if (slash && slash[1] == '0' && (slash[2] == 'x' || slash[2] == 'X'))
		return -1; /* a prefix length is decimal */
	*prefix = (__u8)plen;
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PM_FILTER_NAME_MAX || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ':' || *s == '"')
			return 0;
	return 1;
}

enum opt { OPT_NONE, OPT_MAC, OPT_VLAN, OPT_ETHERTYPE, OPT_PROTO, OPT_IP, OPT_PORT, OPT_ENCAP, OPT_HEARTBEAT };

static enum opt option_of(const char *w)
{
	static const struct {
		const char *s, *l, *l2;
		enum opt o;
	} opts[] = {
		{"-m", "--mac", NULL, OPT_MAC},
		{"-v", "--vlan", NULL, OPT_VLAN},
		{"-d", "--data-link", "--ethertype", OPT_ETHERTYPE},
		{"-t", "--transport-protocol", "--protocol", OPT_PROTO},
		{"-i", "--ip", NULL, OPT_IP},
		{"-p", "--port", NULL, OPT_PORT},
		{"-e", "--encap", NULL, OPT_ENCAP},
		{"-b", "--heartbeat", NULL, OPT_HEARTBEAT},
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(w, opts[i].s) || !strcasecmp(w, opts[i].l) ||
		    (opts[i].l2 && !strcasecmp(w, opts[i].l2)))
			return opts[i].o;
	return OPT_NONE;
}

/* A value word: present and not an option. */
static int is_value(int i, int argc, char **argv)
{
	return i < argc && argv[i] && argv[i][0] && argv[i][0] != '-';
}

int pm_filter_parse_argv(int argc, char **argv, struct pm_filter *out, char *err, size_t errlen)
{
	struct pm_filter pf;
	struct pktmon_filter *f = &pf.f;
	unsigned long v;
	int i = 0;

	memset(&pf, 0, sizeof(pf));
	if (argc < 0 || (argc > 0 && !argv))
		return set_err(err, errlen, "no filter words");
	for (int k = 0; k < argc; k++)
		if (!argv[k])
			return set_err(err, errlen, "no filter words");
	if (argc > 0 && argv[0][0] != '-') {
		if (!valid_name(argv[0]))
			return set_err(err, errlen,
				       "bad filter name '%s': up to %d printable characters, no blanks, ':' or '\"'",
				       argv[0], PM_FILTER_NAME_MAX - 1);
		strcpy(pf.name, argv[0]);
		i = 1;
	}

	while (i < argc) {
		const char *w = argv[i++];
		enum opt o = option_of(w);
		__u32 bit;

		switch (o) {
		case OPT_MAC: bit = PKTMON_FF_MAC1; break;
		case OPT_VLAN: bit = PKTMON_FF_VLAN; break;
		case OPT_ETHERTYPE: bit = PKTMON_FF_ETHERTYPE; break;
		case OPT_PROTO: bit = PKTMON_FF_PROTO; break;
		case OPT_IP: bit = PKTMON_FF_IP1; break;
		case OPT_PORT: bit = PKTMON_FF_PORT1; break;
		case OPT_ENCAP: bit = PKTMON_FF_ENCAP; break;
		case OPT_HEARTBEAT:
			return set_err(err, errlen, "'%s' (Hyper-V heartbeat) does not exist on Linux", w);
		default:
			if (w[0] == '-')
				return set_err(err, errlen, "unknown option '%s'", w);
			return set_err(err, errlen, "unexpected word '%s'", w);
		}
		if (f->fields & bit)
			return set_err(err, errlen, "option '%s' given twice", w);
		if (o != OPT_ENCAP && !is_value(i, argc, argv))
			return set_err(err, errlen, "option '%s' needs a value", w);
		f->fields |= bit;

		switch (o) {
		case OPT_MAC:
			for (int k = 0; k < 2 && (k == 0 || is_value(i, argc, argv)); k++, i++) {
				if (parse_mac(argv[i], f->mac[k]))
					return set_err(err, errlen, "bad MAC address '%s' (want aa:bb:cc:dd:ee:ff)",
						       argv[i]);
				if (k == 1)
					f->fields |= PKTMON_FF_MAC2;
			}
			break;
		case OPT_VLAN:
			if (parse_uint(argv[i], 4095, &v))
				return set_err(err, errlen, "bad VLAN id '%s' (0-4095)", argv[i]);
			f->vlan = (__u16)v;
			i++;
			break;
		case OPT_ETHERTYPE:
			if (parse_named(argv[i], ethertypes, sizeof(ethertypes) / sizeof(ethertypes[0]), 0xffff, &v))
				return set_err(err, errlen,
					       "bad EtherType '%s' (a number, IPv4, IPv6, ARP or VLAN)", argv[i]);
			f->ethertype = (__u16)v;
			i++;
			break;
		case OPT_PROTO:
			if (parse_named(argv[i], protos, sizeof(protos) / sizeof(protos[0]), 255, &v))
				return set_err(err, errlen,
					       "bad protocol '%s' (a number, TCP, UDP, ICMP, ICMPv6, SCTP or GRE)",
					       argv[i]);
			f->ip_proto = (__u8)v;
			i++;
			while (is_value(i, argc, argv)) {
				int bitno = -1;

				for (int k = 0; k < 8; k++)
					if (!strcasecmp(argv[i], tcp_flag_names[k]))
						bitno = k;
				if (bitno < 0)
					return set_err(err, errlen, "unknown TCP flag '%s' (FIN SYN RST PSH ACK URG ECE CWR)",
						       argv[i]);
				if (f->ip_proto != 6)
					return set_err(err, errlen, "TCP flag '%s' needs -t TCP", argv[i]);
				f->tcp_flags |= (__u8)(1u << bitno);
				f->fields |= PKTMON_FF_TCPFLAGS;
				i++;
			}
			break;
		case OPT_IP:
			for (int k = 0; k < 2 && (k == 0 || is_value(i, argc, argv)); k++, i++) {
				if (parse_ip(argv[i], f->ip[k], &f->ip_family[k], &f->ip_prefix[k]))
					return set_err(err, errlen, "bad IP address '%s' (IPv4 or IPv6, optional /prefix)",
						       argv[i]);
				if (k == 1) {
					if (f->ip_family[1] != f->ip_family[0])
						return set_err(err, errlen, "IP addresses '%s' and '%s' are not of one family",
							       argv[i - 1], argv[i]);
					f->fields |= PKTMON_FF_IP2;
				}
			}
			break;
		case OPT_PORT:
			for (int k = 0; k < 2 && (k == 0 || is_value(i, argc, argv)); k++, i++) {
				if (parse_uint(argv[i], 65535, &v))
					return set_err(err, errlen, "bad port '%s' (0-65535)", argv[i]);
				f->port[k] = (__u16)v;
				if (k == 1)
					f->fields |= PKTMON_FF_PORT2;
			}
			break;
		case OPT_ENCAP:
			f->encap_port = PKTMON_VXLAN_PORT;
			if (is_value(i, argc, argv)) {
				if (parse_uint(argv[i], 65535, &v) || v == 0)
					return set_err(err, errlen, "bad VXLAN port '%s' (1-65535)", argv[i]);
				f->encap_port = (__u16)v;
				i++;
			}
			break;
		default:
			break;
		}
	}
	if (!(f->fields & ~PKTMON_FF_ENCAP))
		return set_err(err, errlen, "the filter has no condition (give -m, -v, -d, -t, -i or -p)");
	*out = pf;
	return 0;
}

/* snprintf into buf at *pos, tracking the total length even when truncated. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

static void fmt_mac(const __u8 *m, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_ip(const struct pktmon_filter *f, int k, int always_prefix, char out[INET6_ADDRSTRLEN + 5])
{
	int af = f->ip_family[k] == 4 ? AF_INET : AF_INET6;
	unsigned full = f->ip_family[k] == 4 ? 32 : 128;

	if (f->ip_family[k] != 4 && f->ip_family[k] != 6) {
		strcpy(out, "?");
		return;
	}
	inet_ntop(af, f->ip[k], out, INET6_ADDRSTRLEN);
	if (always_prefix || f->ip_prefix[k] != full)
		sprintf(out + strlen(out), "/%u", f->ip_prefix[k]);
}

static void fmt_ethertype(unsigned t, char out[16])
{
	const char *n = pm_ethertype_name(t);

	if (n)
		snprintf(out, 16, "%s", n);
	else
		snprintf(out, 16, "0x%04X", t);
}

static void fmt_proto(const struct pktmon_filter *f, char *out, size_t len)
{
	const char *n = pm_ip_proto_name(f->ip_proto);
	size_t pos = 0;

	if (n)
		append(out, len, &pos, "%s", n);
	else
		append(out, len, &pos, "%u", f->ip_proto);
	if (f->fields & PKTMON_FF_TCPFLAGS)
		for (int k = 0; k < 8; k++)
			if (f->tcp_flags & (1u << k))
				append(out, len, &pos, " %s", tcp_flag_names[k]);
}

int pm_filter_format(const struct pm_filter *pf, char *buf, size_t len)
{
	const struct pktmon_filter *f;
	char a[INET6_ADDRSTRLEN + 5], b[INET6_ADDRSTRLEN + 5], t[64];
	size_t pos = 0;
	const char *sep = "";

	if (!pf || !buf || !len)
		return -1;
	f = &pf->f;
	buf[0] = 0;
	if (pf->name[0]) {
		/* name[] may come from anywhere: print at most its 63 bytes. */
		append(buf, len, &pos, "%.*s:", PM_FILTER_NAME_MAX - 1, pf->name);
		sep = " ";
	}
	if (f->fields & PKTMON_FF_MAC1) {
		fmt_mac(f->mac[0], a);
		append(buf, len, &pos, "%s-m %s", sep, a);
		if (f->fields & PKTMON_FF_MAC2) {
			fmt_mac(f->mac[1], b);
			append(buf, len, &pos, " %s", b);
		}
		sep = " ";
	}
	if (f->fields & PKTMON_FF_VLAN) {
		append(buf, len, &pos, "%s-v %u", sep, f->vlan);
		sep = " ";
	}
	if (f->fields & PKTMON_FF_ETHERTYPE) {
		fmt_ethertype(f->ethertype, t);
		append(buf, len, &pos, "%s-d %s", sep, t);
		sep = " ";
	}
	if (f->fields & (PKTMON_FF_PROTO | PKTMON_FF_TCPFLAGS)) {
		fmt_proto(f, t, sizeof(t));
		append(buf, len, &pos, "%s-t %s", sep, t);
		sep = " ";
	}
	if (f->fields & PKTMON_FF_IP1) {
		fmt_ip(f, 0, 1, a);
		append(buf, len, &pos, "%s-i %s", sep, a);
		if (f->fields & PKTMON_FF_IP2) {
			fmt_ip(f, 1, 1, b);
			append(buf, len, &pos, " %s", b);
		}
		sep = " ";
	}
	if (f->fields & PKTMON_FF_PORT1) {
		append(buf, len, &pos, "%s-p %u", sep, f->port[0]);
		if (f->fields & PKTMON_FF_PORT2)
			append(buf, len, &pos, " %u", f->port[1]);
		sep = " ";
	}
	if (f->fields & PKTMON_FF_ENCAP) {
		if (f->encap_port == PKTMON_VXLAN_PORT)
			append(buf, len, &pos, "%s-e", sep);
		else
			append(buf, len, &pos, "%s-e %u", sep, f->encap_port);
	}
	return pos >= len ? -1 : (int)pos;
}

int pm_filter_parse_line(const char *line, struct pm_filter *out, char *err, size_t errlen)
{
	char copy[PKTMON_FILTER_TEXT_MAX];
	char *words[PM_LINE_WORDS_MAX];
	int n = 0;
	size_t l;
	char *p;

	if (!line)
		return set_err(err, errlen, "no filter line");
	l = strlen(line);
	if (l >= sizeof(copy))
		return set_err(err, errlen, "filter line too long (%zu bytes)", l);
	memcpy(copy, line, l + 1);
	for (p = copy; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = 0;
		if (!*p)
			break;
		if (n == PM_LINE_WORDS_MAX)
			return set_err(err, errlen, "filter line has too many words");
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
	/* "NAME:" first: drop the colon; an argv-style bare name also works. */
	if (n > 0 && words[0][0] != '-') {
		size_t wl = strlen(words[0]);

		if (wl > 1 && words[0][wl - 1] == ':')
			words[0][wl - 1] = 0;
	}
	return pm_filter_parse_argv(n, words, out, err, errlen);
}

int pm_filter_table_header(char *buf, size_t len)
{
	return snprintf(buf, len,
			"    # Name             MAC Address       VLAN  EtherType Protocol         IP Address                                   Port  Encap\n"
			"    - ----             -----------       ----  --------- --------         ----------                                   ----  -----");
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = 0;
}

int pm_filter_table_row(int index, const struct pm_filter *pf, char *buf, size_t len)
{
	const struct pktmon_filter *f = &pf->f;
	char mac[2][18] = {"", ""}, vlan[8] = "", et[16] = "", proto[64] = "", ip[2][INET6_ADDRSTRLEN + 5] = {"", ""};
	char port[2][8] = {"", ""}, encap[16] = "", l1[256];
	size_t pos = 0;

	if (f->fields & PKTMON_FF_MAC1)
		fmt_mac(f->mac[0], mac[0]);
	if (f->fields & PKTMON_FF_MAC2)
		fmt_mac(f->mac[1], mac[1]);
	if (f->fields & PKTMON_FF_VLAN)
		snprintf(vlan, sizeof(vlan), "%u", f->vlan);
	if (f->fields & PKTMON_FF_ETHERTYPE)
		fmt_ethertype(f->ethertype, et);
	if (f->fields & (PKTMON_FF_PROTO | PKTMON_FF_TCPFLAGS))
		fmt_proto(f, proto, sizeof(proto));
	if (f->fields & PKTMON_FF_IP1)
		fmt_ip(f, 0, 0, ip[0]);
	if (f->fields & PKTMON_FF_IP2)
		fmt_ip(f, 1, 0, ip[1]);
	if (f->fields & PKTMON_FF_PORT1)
		snprintf(port[0], sizeof(port[0]), "%u", f->port[0]);
	if (f->fields & PKTMON_FF_PORT2)
		snprintf(port[1], sizeof(port[1]), "%u", f->port[1]);
	if (f->fields & PKTMON_FF_ENCAP)
		snprintf(encap, sizeof(encap), "%u", f->encap_port);
	snprintf(l1, sizeof(l1), "%5d %-16.63s %-17s %-5s %-9s %-16s %-44s %-5s %s", index,
		 pf->name[0] ? pf->name : "-", mac[0], vlan, et, proto, ip[0], port[0], encap);
	rtrim(l1);
	append(buf, len, &pos, "%s", l1);
	/* The second address/port goes on a line of its own, under the first (as pktmon does). */
	if (f->fields & (PKTMON_FF_MAC2 | PKTMON_FF_IP2 | PKTMON_FF_PORT2)) {
		snprintf(l1, sizeof(l1), "%5s %-16s %-17s %-5s %-9s %-16s %-44s %s", "", "", mac[1], "", "", "",
			 ip[1], port[1]);
		rtrim(l1);
		append(buf, len, &pos, "\n%s", l1);
	}
	return pos >= len ? -1 : (int)pos;
}

int pm_filters_match_any(const struct pm_filter *fs, size_t n, const struct pktmon_pkt_view *v)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (pktmon_filter_match(&fs[i].f, v))
			return 1;
	return 0;
}

int pm_filters_vxlan_port(const struct pm_filter *fs, size_t n, char *err, size_t errlen)
{
	int port = 0;
	size_t first = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(fs[i].f.fields & PKTMON_FF_ENCAP))
			continue;
		if (port && fs[i].f.encap_port != port)
			return set_err(err, errlen,
				       "filters '%s' and '%s' use different VXLAN ports (%d, %u); one session can watch one",
				       fs[first].name, fs[i].name, port, fs[i].f.encap_port);
		if (!port) {
			port = fs[i].f.encap_port;
			first = i;
		}
	}
	return port ? port : PKTMON_VXLAN_PORT;
}

/* Through the line form, so a struct obeys exactly the rules (and gets the messages) of the text. */
int pm_filter_from_constraint(const struct pktmon_protocol_constraint *c, struct pm_filter *out, char *err,
			      size_t errlen)
{
	static const struct {
		unsigned second, first;
		const char *what;
	} pairs[] = {
		{ PKTMON_FF_MAC2, PKTMON_FF_MAC1, "MAC2 needs MAC1" },
		{ PKTMON_FF_IP2, PKTMON_FF_IP1, "IP2 needs IP1" },
		{ PKTMON_FF_PORT2, PKTMON_FF_PORT1, "PORT2 needs PORT1" },
		{ PKTMON_FF_TCPFLAGS, PKTMON_FF_PROTO, "TCP flags need the protocol (TCP)" },
	};
	struct pm_filter pf;
	char line[PM_FILTER_LINE_MAX];

	if (!c || !out)
		return set_err(err, errlen, "no constraint");
	if (c->fields & ~PKTMON_FF_ALL)
		return set_err(err, errlen, "unknown fields bits 0x%x", c->fields & ~PKTMON_FF_ALL);
	if (!(c->fields & (PKTMON_FF_ALL & ~PKTMON_FF_ENCAP)))
		return set_err(err, errlen, "a constraint needs a condition besides encapsulation");
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if ((c->fields & pairs[i].second) && !(c->fields & pairs[i].first))
			return set_err(err, errlen, "%s", pairs[i].what);
	for (int k = 0; k < 2; k++)
		if ((c->fields & (k ? PKTMON_FF_IP2 : PKTMON_FF_IP1)) && c->ip_family[k] != 4 && c->ip_family[k] != 6)
			return set_err(err, errlen, "IP%d: family %u is neither 4 nor 6", k + 1, c->ip_family[k]);
	memset(&pf, 0, sizeof(pf));
	if (c->name && c->name[0]) {
		if (strlen(c->name) >= sizeof(pf.name) || !valid_name(c->name))
			return set_err(err, errlen,
				       "bad constraint name (at most %d printable characters, no leading '-', no "
				       "blank, '\"' or ':')",
				       PM_FILTER_NAME_MAX - 1);
		strcpy(pf.name, c->name);
	}
	pf.f.fields = c->fields;
	pf.f.vlan = c->vlan;
	pf.f.ethertype = c->ethertype;
	pf.f.ip_proto = c->ip_proto;
	pf.f.tcp_flags = c->tcp_flags;
	memcpy(pf.f.mac, c->mac, sizeof(pf.f.mac));
	memcpy(pf.f.ip_family, c->ip_family, sizeof(pf.f.ip_family));
	memcpy(pf.f.ip_prefix, c->ip_prefix, sizeof(pf.f.ip_prefix));
	memcpy(pf.f.ip, c->ip, sizeof(pf.f.ip));
	memcpy(pf.f.port, c->port, sizeof(pf.f.port));
	if (c->fields & PKTMON_FF_ENCAP)
		pf.f.encap_port = c->encap_port ? c->encap_port : PKTMON_VXLAN_PORT;
	if (pm_filter_format(&pf, line, sizeof(line)) < 0)
		return set_err(err, errlen, "constraint too long to format");
	return pm_filter_parse_line(line, out, err, errlen);
}
