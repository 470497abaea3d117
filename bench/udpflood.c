/* SPDX-License-Identifier: MIT */
/*
 * udpflood.c - the UDP load of the pktmon benchmarks: a sender of small
 * datagrams (as fast as possible, or at a fixed rate) and a receiver that
 * counts them. Run each inside its own network namespace (ip netns exec).
 *
 *   udpflood send ADDR PORT SECONDS [-s SIZE] [-r PPS] [-b BATCH]
 *   udpflood recv PORT SECONDS
 *
 * Both print one line of key=value pairs on stdout when done, e.g.
 *   send pkts=1234567 secs=5.000 pps=246913 errors=0 size=64 target_pps=0 cpu_s=4.990
 *   recv pkts=1234000 secs=5.510 active_secs=4.999 cpu_s=2.100
 * The receiver stops after SECONDS or on SIGTERM/SIGINT, whichever is first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256
#define MAX_SIZE 9000

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds this process used (user + system; on this kind of kernel the
 * softirq work done in its context, e.g. veth's receive path, is charged to it). */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: udpflood send ADDR PORT SECONDS [-s SIZE] [-r PPS] [-b BATCH]\n"
			"       udpflood recv PORT SECONDS\n");
	return 2;
}

static int do_send(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *addr = argv[0];
	int port = atoi(argv[1]);
	double secs = atof(argv[2]);
	size_t size = 64;
	double pps = 0; /* 0: as fast as possible */
	int batch = 64;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-s"))
			size = (size_t)atol(argv[i + 1]);
		else if (!strcmp(argv[i], "-r"))
			pps = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-b"))
			batch = atoi(argv[i + 1]);
		else
			return usage();
	}
	if (size < 1 || size > MAX_SIZE || batch < 1 || batch > MAX_BATCH || secs <= 0)
		return usage();
	/* at a fixed rate, keep batches short so the rate is smooth */
	if (pps > 0 && batch > pps / 1000)
		batch = pps / 1000 < 1 ? 1 : (int)(pps / 1000);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int sndbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "udpflood: bad address %s\n", addr);
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	static char payload[MAX_SIZE];
	memset(payload, 0x5a, size);
	struct iovec iov = { payload, size };
	struct mmsghdr msgs[MAX_BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < MAX_BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	uint64_t sent = 0, errors = 0;
	double t0 = now_s(), end = t0 + secs, t = t0;
	while (!stop_flag && (t = now_s()) < end) {
		if (pps > 0) {
			double due = t0 + (double)sent / pps; /* when the next packet is due */
			if (due > t) {
				double gap = due - t;
				if (gap > 200e-6) {
					struct timespec ns = { 0, (long)((gap - 100e-6) * 1e9) };
					nanosleep(&ns, NULL);
				}
				continue;
			}
		}
		int n = sendmmsg(fd, msgs, (unsigned)batch, 0);
		if (n > 0)
			sent += (uint64_t)n;
		else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
			errors++;
		else if (errno != EINTR) {
			perror("sendmmsg");
			return 1;
		}
	}
	double el = now_s() - t0;
	printf("send pkts=%llu secs=%.3f pps=%.0f errors=%llu size=%zu target_pps=%.0f cpu_s=%.3f\n",
	       (unsigned long long)sent, el, (double)sent / el, (unsigned long long)errors, size, pps, cpu_s());
	return 0;
}

static int do_recv(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	int port = atoi(argv[0]);
	double secs = atof(argv[1]);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int rcvbuf = 32 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return 1;
	}
	struct sigaction act = { .sa_handler = on_signal }; /* no SA_RESTART: wake recvmmsg */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	static char bufs[MAX_BATCH][2048];
	struct iovec iov[MAX_BATCH];
	struct mmsghdr msgs[MAX_BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < MAX_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* ready: the caller may start the sender */
	fprintf(stderr, "udpflood: receiving on port %d\n", port);
	uint64_t got = 0;
	double t0 = now_s(), first = 0, last = 0, end = t0 + secs;
	while (!stop_flag && now_s() < end) {
		int n = recvmmsg(fd, msgs, MAX_BATCH, MSG_WAITFORONE, NULL);
		if (n > 0) {
			last = now_s();
			if (!got)
				first = last;
			got += (uint64_t)n;
		}
	}
	printf("recv pkts=%llu secs=%.3f active_secs=%.3f cpu_s=%.3f\n", (unsigned long long)got, now_s() - t0,
	       got ? last - first : 0.0, cpu_s());
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 2, argv + 2);
	return usage();
}
