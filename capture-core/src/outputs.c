/* SPDX-License-Identifier: MIT */
/*
 * outputs.c - pcapng and real-time outputs: creating them, the section header,
 * writing blocks to every output, flushing, and giving up on a failed one.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include <linux/types.h>

#include "capture_event.h"
#include "observation.h"
#include "pcapng.h"
#include "session_internal.h"
#include "sink.h"

/* ---- outputs -------------------------------------------------------------------------------- */

int pktmon_create_realtime_stream_ex(pktmon_handle *h, const struct pktmon_stream_callbacks *cb,
				     const struct pktmon_stream_options *opt, pktmon_output **out)
{
	(void)h;
	if (!cb || !out)
		return -EINVAL;
	pktmon_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = PM_OUT_REALTIME;
	o->cb = *cb;
	if (opt) {
		o->buffer_bytes = opt->buffer_bytes;
		o->truncation = opt->truncation_size;
	}
	*out = o;
	return 0;
}

int pktmon_create_realtime_stream(pktmon_handle *h, const struct pktmon_stream_callbacks *cb, pktmon_output **out)
{
	return pktmon_create_realtime_stream_ex(h, cb, NULL, out);
}

int pktmon_create_pcapng_output(pktmon_handle *h, const struct pktmon_pcapng_options *opt,
				pktmon_output **out, char *err, size_t errlen)
{
	(void)h;
	pktmon_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = PM_OUT_PCAPNG;
	if (opt->path)
		o->sink = pm_sink_open_file(opt->path, opt->size_limit, (enum pm_log_mode)opt->mode, err, errlen);
	else if (opt->fd >= 0)
		o->sink = pm_sink_open_fd(opt->fd, false);
	else
		pm_seterr(err, errlen, "a pcapng output needs a path or an fd");
	if (!o->sink) {
		free(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

int pktmon_attach_output(pktmon_session *s, pktmon_output *o)
{
	if (s->active || o->session)
		return -EBUSY;
	o->session = s;
	o->next = s->outputs;
	s->outputs = o;
	return 0;
}

void pktmon_close_output(pktmon_output *o)
{
	if (!o || o->session)
		return;
	if (o->sink)
		pm_sink_close(o->sink, NULL, 0);
	free(o);
}

void pm_notify(pktmon_session *s, enum pktmon_stream_event kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_REALTIME && o->cb.on_event)
			o->cb.on_event(o->cb.user, kind, msg);
}

static void output_failed(pktmon_session *s, pktmon_output *o, int rc)
{
	o->failed = true;
	if (rc == PM_SINK_ERR_PIPE) {
		/* Wireshark closing its fifo is how an extcap capture normally ends */
		s->reader_gone = true;
		return;
	}
	s->output_error = rc;
	pm_notify(s, PKTMON_STREAM_ERROR, "pcapng output: %s", pm_sink_last_error(o->sink));
}

/* A write to an output failed: a full single file is said once and goes on counting, anything
 * else drops the output. */
static void write_failed(pktmon_session *s, pktmon_output *o, int rc, bool packet)
{
	if (packet)
		o->refused++;
	if (rc == PM_SINK_ERR_FULL) {
		/* single file at its size limit: keep counting, write the trailer at stop */
		if (!o->full)
			pm_notify(s, PKTMON_STREAM_WARNING, "pcapng output full: %s", pm_sink_last_error(o->sink));
		o->full = true;
	} else {
		output_failed(s, o, rc);
	}
}

/* Hands an encoded block to every pcapng output; an output that fails (the
 * reader closed the fifo, the disk is full) is reported once and dropped. */
void pm_write_block(pktmon_session *s, const struct pm_buf *b, bool interface)
{
	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		if (o->failed) {
			if (!interface)
				o->refused++;
			continue;
		}
		int rc = interface ? pm_sink_add_interface(o->sink, b->data, b->len)
				   : pm_sink_write(o->sink, b->data, b->len);
		if (rc < 0)
			write_failed(s, o, rc, !interface);
	}
}

/* The usual case, one pcapng output and a flow observation: its block encoded straight into the
 * output's write buffer (no copy). false: not taken here (a drop, several outputs, a block the
 * buffer cannot take): encode it and hand it to pm_write_block. */
bool pm_write_observation_in_place(pktmon_session *s, uint32_t if_id, const struct pktmon_event *pe)
{
	pktmon_output *only = NULL;
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG) {
			if (only)
				return false;
			only = o;
		}
	if (!only || only->failed)
		return false;
	uint32_t len = pm_observation_fast_size(pe);
	if (!len)
		return false;
	int rc;
	uint8_t *room = pm_sink_packet_room(only->sink, len, &rc);
	if (!room) {
		if (!rc)
			return false;
	} else {
		pm_observation_fast_write(room, len, if_id, pe);
		rc = pm_sink_commit_packet(only->sink, len);
	}
	if (rc < 0)
		write_failed(s, only, rc, true);
	return true;
}

void pm_flush_outputs(pktmon_session *s)
{
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG && !o->failed) {
			/* a reader that went away while no packet came would go unnoticed */
			int rc = pm_sink_reader_gone(o->sink) ? PM_SINK_ERR_PIPE : pm_sink_flush(o->sink);
			if (rc < 0 && rc != PM_SINK_ERR_FULL)
				output_failed(s, o, rc);
		}
}

void pm_write_header(pktmon_session *s)
{
	struct utsname u;
	char os[160], appl[64], comment[96];
	uname(&u);
	/* the host name: in the SHB, in every IDB (mergecap keeps one SHB, every IDB) and the rundown */
	snprintf(s->host, sizeof(s->host), "%s", s->opt.host_name[0] ? s->opt.host_name : u.nodename);
	for (char *c = s->host; *c; c++) /* readers take the word after " host ": keep it one word */
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
			*c = '_';
	snprintf(os, sizeof(os), "Linux %s", u.release);
	snprintf(appl, sizeof(appl), "pktmon %s", PKTMON_VERSION_STRING);
	snprintf(comment, sizeof(comment), "pktmon capture on host %s", s->host);
	pm_buf_reset(&s->block);
	pcapng_put_shb_comment(&s->block, appl, os, comment);
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG)
			pm_sink_set_header(o->sink, s->block.data, s->block.len);
}
