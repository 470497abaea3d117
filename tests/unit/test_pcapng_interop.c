/* SPDX-License-Identifier: MIT */
/*
 * Interop test: files written by our encoders and sink must be read by stock
 * tools. Writes a small capture (several IDBs, EPBs with flags, drop count,
 * packet id, comment and the pktmon custom option, the rundown Custom Block
 * and ISBs) and checks what `tshark -r` and `tcpdump -r` report; then does the
 * same for multi-file and circular outputs. Exits 77 (CTest "skipped") if
 * tshark or tcpdump is not installed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcapng.h"
#include "pktmon/pktmon_format.h"
#include "pm_buf.h"
#include "sink.h"
#include "tlv.h"

#include "check.h"

static char tmpdir[256];

/* Runs a shell command; returns its exit status and stdout (malloc'd, in *out).
 * stderr goes to a file that is printed if the command fails. */
static int run(const char *cmd, char **out)
{
	char full[2048], errpath[400];
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", tmpdir);
	snprintf(full, sizeof(full), "%s 2>'%s'", cmd, errpath);
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = 0;
	int st = pclose(p);
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (rc != 0) {
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
		char show[600];
		snprintf(show, sizeof(show), "cat '%s' >&2", errpath);
		if (system(show) != 0)
			fprintf(stderr, "(no stderr)\n");
	}
	*out = buf;
	return rc;
}

static bool have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Ethernet / IPv4 / UDP 40000 -> 40001, with a correct IP checksum so the
 * dissectors have nothing to complain about. */
static size_t make_udp(uint8_t *p, uint8_t last_octet, const char *payload)
{
	size_t plen = strlen(payload);
	static const uint8_t eth[14] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
	memcpy(p, eth, 14);
	uint8_t *ip = p + 14;
	uint16_t tot = (uint16_t)(20 + 8 + plen);
	uint8_t iph[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0x40, 0, 64, 17, 0, 0,
			    10, 0, 0, 1, 10, 0, 0, last_octet };
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(iph[i] << 8 | iph[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	sum = ~sum & 0xFFFF;
	iph[10] = (uint8_t)(sum >> 8);
	iph[11] = (uint8_t)sum;
	memcpy(ip, iph, 20);
	uint8_t *udp = ip + 20;
	uint16_t ulen = (uint16_t)(8 + plen);
	uint8_t udph[8] = { 0x9C, 0x40, 0x9C, 0x41, (uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0 };
	memcpy(udp, udph, 8);
	memcpy(udp + 8, payload, plen);
	return 14 + 20 + 8 + plen;
}

struct pkt {
	uint32_t if_id;
	uint64_t packet_id;
	uint32_t dir;
	uint64_t dropcount; /* 0 = none */
	const char *comment;
	bool dropped;
};

static const char *if_names[] = { "veth0 rx [netns web]", "ipv4 INPUT [netns host]", "lo tx [netns host]" };

static const struct pkt pkts[] = {
	{ 0, 100, 1, 0, NULL, false },
	{ 1, 100, 1, 0, NULL, false },
	{ 2, 101, 2, 5, NULL, false },
	{ 1, 102, 1, 0, "DROP NETFILTER_DROP at nft_do_chain+0x46f", true },
};
#define NPKTS (sizeof(pkts) / sizeof(pkts[0]))

static void build_meta(struct pm_buf *m, const struct pkt *p, uint32_t appearance)
{
	pm_buf_reset(m);
	pktmon_meta_begin(m);
	tlv_put_u32(m, PKTMON_TLV_COMPONENT_ID, p->if_id);
	tlv_put_u8(m, PKTMON_TLV_LAYER, p->if_id == 1 ? PKTMON_LAYER_NF_INPUT : PKTMON_LAYER_DEV_RX);
	tlv_put_u8(m, PKTMON_TLV_DIRECTION, (uint8_t)p->dir);
	tlv_put_u64(m, PKTMON_TLV_PKT_GROUP_ID, p->packet_id);
	tlv_put_u32(m, PKTMON_TLV_APPEARANCE, appearance);
	tlv_put_u32(m, PKTMON_TLV_NETNS, 4026531840u);
	tlv_put_u32(m, PKTMON_TLV_CPU, 1);
	tlv_put_u32(m, PKTMON_TLV_FLAGS, p->dropped ? PKTMON_FLAG_DROPPED : 0);
	if (p->dropped) {
		tlv_put_str(m, PKTMON_TLV_DROP_REASON, "NETFILTER_DROP");
		tlv_put_u32(m, PKTMON_TLV_DROP_REASON_CODE, 8);
		tlv_put_u64(m, PKTMON_TLV_DROP_LOCATION, 0xffffffffc0a0146full);
		tlv_put_str(m, PKTMON_TLV_DROP_SYMBOL, "nft_do_chain+0x46f");
	}
}

static void build_trailer(struct pm_buf *t, unsigned n_if)
{
	struct pm_buf rd;
	pm_buf_init(&rd);
	size_t off = pktmon_rundown_begin(&rd);
	for (unsigned i = 0; i < n_if; i++) {
		size_t rec = tlv_begin(&rd, PKTMON_REC_COMPONENT);
		tlv_put_u32(&rd, PKTMON_TLV_COMPONENT_ID, i);
		tlv_put_str(&rd, PKTMON_TLV_NAME, if_names[i % 3]);
		tlv_put_u32(&rd, PKTMON_TLV_INTERFACE_ID, i);
		tlv_end(&rd, rec);
	}
	size_t rec = tlv_begin(&rd, PKTMON_REC_SESSION);
	tlv_put_str(&rd, PKTMON_TLV_SESSION_NAME, "interop");
	tlv_put_u64(&rd, PKTMON_TLV_START_NS, 1700000000000000000ull);
	tlv_end(&rd, rec);
	pktmon_rundown_end(&rd, off);
	pm_buf_reset(t);
	CHECK(pcapng_put_custom_block(t, PKTMON_PEN, rd.data, rd.len) == 0);
	for (unsigned i = 0; i < n_if; i++) {
		struct pcapng_isb_stats st = { .start_ns = 1700000000000000000ull,
					       .end_ns = 1700000001000000000ull,
					       .ifrecv = 2, .ifdrop = i == 1, .osdrop = 0 };
		CHECK(pcapng_put_isb(t, i, 1700000001000000000ull, &st) == 0);
	}
	pm_buf_free(&rd);
}

static void write_header(struct pm_sink *s)
{
	struct pm_buf b;
	pm_buf_init(&b);
	CHECK(pcapng_put_shb(&b, "pktmon 0.1.0", "Linux 6.1.0") == 0);
	CHECK(pm_sink_set_header(s, b.data, b.len) == 0);
	pm_buf_free(&b);
}

static void add_if(struct pm_sink *s, unsigned i)
{
	struct pm_buf b;
	pm_buf_init(&b);
	char desc[128];
	snprintf(desc, sizeof(desc), "pktmon component %u: layer 1 netns 4026531840 (host) ifindex %u", i, i + 1);
	CHECK(pcapng_put_idb(&b, PCAPNG_LINKTYPE_ETHERNET, 262144, if_names[i % 3], desc, 9) == 0);
	CHECK(pm_sink_add_interface(s, b.data, b.len) == 0);
	pm_buf_free(&b);
}

static void put_pkt(struct pm_buf *e, const struct pkt *p, uint64_t ts, uint32_t appearance)
{
	uint8_t frame[256];
	char payload[64];
	snprintf(payload, sizeof(payload), "hello %llu", (unsigned long long)p->packet_id);
	size_t n = make_udp(frame, 2, payload);
	struct pm_buf meta;
	pm_buf_init(&meta);
	build_meta(&meta, p, appearance);
	struct pcapng_epb_opts o = {
		.has_flags = true, .flags = p->dir,
		.has_dropcount = p->dropcount != 0, .dropcount = p->dropcount,
		.has_packetid = true, .packetid = p->packet_id,
		.comment = p->comment,
		.custom = meta.data, .custom_len = meta.len, .custom_pen = PKTMON_PEN,
	};
	pm_buf_reset(e);
	CHECK(pcapng_put_epb(e, p->if_id, ts, frame, (uint32_t)n, (uint32_t)n, &o) == 0);
	pm_buf_free(&meta);
}

/* Counts the lines of a tool's output that contain `needle`. */
static int count_lines(const char *out, const char *needle)
{
	int n = 0;
	for (const char *l = out; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1), l);
		if (strstr(line, needle))
			n++;
		l = e ? e + 1 : l + len;
	}
	return n;
}

static void test_single_file(void)
{
	char path[400], cmd[1024], err[256];
	snprintf(path, sizeof(path), "%s/interop.pcapng", tmpdir);
	struct pm_sink *s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	write_header(s);
	struct pm_buf e, t;
	pm_buf_init(&e);
	pm_buf_init(&t);
	unsigned n_if = 0;
	for (size_t i = 0; i < NPKTS; i++) {
		/* IDBs appear just before the first packet of their interface. */
		while (n_if <= pkts[i].if_id)
			add_if(s, n_if++);
		put_pkt(&e, &pkts[i], 1700000000000000000ull + i * 1000, 1);
		CHECK(pm_sink_write(s, e.data, e.len) == 0);
	}
	build_trailer(&t, n_if);
	CHECK(pm_sink_close(s, t.data, t.len) == 0);

	/* tshark: interface names, packet ids, comments, direction, drop count. */
	char *out = NULL;
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -Y eth -T fields -E separator='|' -e frame.interface_name -e frame.packet_id "
		 "-e frame.comment -e frame.packet_flags_direction -e frame.drop_count -e udp.dstport",
		 path);
	CHECK(run(cmd, &out) == 0);
	static const char *expect =
		"veth0 rx [netns web]|100||0x00000001||40001\n"
		"ipv4 INPUT [netns host]|100||0x00000001||40001\n"
		"lo tx [netns host]|101||0x00000002|5|40001\n"
		"ipv4 INPUT [netns host]|102|DROP NETFILTER_DROP at nft_do_chain+0x46f|0x00000001||40001\n";
	if (!out || strcmp(out, expect) != 0) {
		fprintf(stderr, "tshark fields:\n%s\nexpected:\n%s\n", out ? out : "(none)", expect);
		failures++;
	}
	free(out);

	/* The time stamps are read as nanoseconds (if_tsresol 9, high/low split). */
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y eth -T fields -e frame.time_epoch", path);
	CHECK(run(cmd, &out) == 0);
	CHECK(out && strncmp(out, "1700000000.000000000\n1700000000.000001000\n", 42) == 0);
	free(out);

	/* The interface descriptions are understood. */
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y eth -T fields -e frame.interface_description", path);
	CHECK(run(cmd, &out) == 0);
	CHECK(out && strstr(out, "pktmon component 1: layer 1 netns 4026531840 (host) ifindex 2") != NULL);
	free(out);

	/* No dissector or file-format complaint in the full dissection. */
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -V", path);
	CHECK(run(cmd, &out) == 0);
	CHECK(out && count_lines(out, "Malformed") == 0 && count_lines(out, "Expert Info (Error") == 0);
	free(out);

	/* capinfos sees the three interfaces and one statistics block (ISB) each. */
	if (have("capinfos")) {
		snprintf(cmd, sizeof(cmd), "capinfos '%s'", path);
		CHECK(run(cmd, &out) == 0);
		CHECK(out && strstr(out, "Number of interfaces in file: 3") != NULL);
		CHECK(out && count_lines(out, "Number of stat entries = 1") == 3);
		CHECK(out && strstr(out, "Capture application: pktmon 0.1.0") != NULL);
		free(out);
	}

	/* tcpdump (libpcap) reads all four packets. */
	snprintf(cmd, sizeof(cmd), "tcpdump -nn -r '%s'", path);
	CHECK(run(cmd, &out) == 0);
	CHECK(out && count_lines(out, "IP 10.0.0.1.40000 > 10.0.0.2.40001: UDP") == (int)NPKTS);
	free(out);

	pm_buf_free(&e);
	pm_buf_free(&t);
}

/* Many packets through a capped sink: every file tshark and tcpdump can read,
 * holding the expected packet ids. */
static void test_capped(enum pm_log_mode mode)
{
	char path[400], name[500], cmd[1200], err[256];
	snprintf(path, sizeof(path), "%s/%s.pcapng", tmpdir, mode == PM_LOG_CIRCULAR ? "circ" : "multi");
	const uint64_t cap = 16384;
	struct pm_sink *s = pm_sink_open_file(path, cap, mode, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	write_header(s);
	struct pm_buf e, t;
	pm_buf_init(&e);
	pm_buf_init(&t);
	unsigned n_if = 0;
	const int npk = 300;
	for (int i = 0; i < npk; i++) {
		struct pkt p = { (uint32_t)(i % 3), (uint64_t)i, i % 3 == 2 ? 2u : 1u, 0, NULL, false };
		if (i % 50 == 7)
			p.comment = "DROP NO_SOCKET at __udp4_lib_rcv+0x9c1";
		while (n_if <= p.if_id)
			add_if(s, n_if++);
		put_pkt(&e, &p, 1700000000000000000ull + (uint64_t)i * 1000, 1);
		CHECK(pm_sink_write(s, e.data, e.len) == 0);
	}
	build_trailer(&t, n_if);
	struct pm_sink_stats st;
	pm_sink_get_stats(s, &st);
	CHECK(pm_sink_close(s, t.data, t.len) == 0);
	unsigned files = mode == PM_LOG_CIRCULAR ? 1 : (unsigned)st.files_opened;
	CHECK(files >= 1);
	long long next = -1, total = 0;
	for (unsigned f = 0; f < files; f++) {
		pm_sink_file_name(path, f, name, sizeof(name));
		char *out = NULL;
		snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y eth -T fields -e frame.packet_id", name);
		CHECK(run(cmd, &out) == 0);
		/* Packet ids must continue across files without gaps; the circular
		 * file ends with the newest. */
		for (char *l = out; l && *l;) {
			long long id = strtoll(l, &l, 10);
			if (next >= 0 && id != next) {
				fprintf(stderr, "%s: packet id %lld, expected %lld\n", name, id, next);
				failures++;
			}
			next = id + 1;
			total++;
			while (*l == '\n')
				l++;
		}
		free(out);
		snprintf(cmd, sizeof(cmd), "tcpdump -nn -r '%s'", name);
		CHECK(run(cmd, &out) == 0);
		CHECK(out && count_lines(out, "UDP") > 0);
		free(out);
	}
	CHECK(next == npk);
	if (mode == PM_LOG_MULTI_FILE)
		CHECK(total == npk);
	else
		CHECK(total > 10 && total < npk);
	pm_buf_free(&e);
	pm_buf_free(&t);
}

int main(void)
{
	if (!have("tshark") || !have("tcpdump")) {
		printf("tshark or tcpdump not installed: skipped\n");
		return 77;
	}
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/pm_interop_XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_single_file();
	test_capped(PM_LOG_MULTI_FILE);
	test_capped(PM_LOG_CIRCULAR);
	if (failures) {
		fprintf(stderr, "test_pcapng_interop: %d failure(s); files kept in %s\n", failures, tmpdir);
		return 1;
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (getenv("PKTMON_TEST_KEEP"))
		printf("files kept in %s\n", tmpdir); /* for looking at them in Wireshark */
	else if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("test_pcapng_interop: all passed\n");
	return 0;
}
