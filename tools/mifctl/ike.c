// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl ike: talk to mifd over its control socket.
 *
 *	mifctl [-j] ike [-s SOCKET] list [NAME] | status | interfaces |
 *			up NAME [-w SECONDS] | down NAME | rekey NAME | reload |
 *			raw LINE
 *
 * up returns at once, or with -w once the IKE SA is established with a
 * Child SA (exit 0), or once mifd records a failure of it or of its
 * first Child SA, it is gone, or the time is up (exit 1, the failure's
 * reason on stderr).
 *
 * The socket is -s, else $MIFD_SOCKET, else /run/mifd/mifd.sock. One JSON
 * request per line, one JSON reply per line (see mifd(8)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "mifctl.h"

#define IKE_DEFAULT_SOCKET	"/run/mifd/mifd.sock"
#define EXIT_UNREACHABLE	3

static int ike_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "mifctl: socket path too long: %s\n", path);
		return -1;
	}
	struct timeval tv = { .tv_sec = 10 };

	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A daemon that does not answer within 10 s is not reachable. */
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "mifctl: cannot reach mifd at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Send one request line, read one line of reply; NULL on failure. With
 * line non-NULL, *line is the reply as received, without its newline
 * (free it), or NULL.
 */
static struct json_object *ike_call_line(int fd, const char *s, char **line)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	struct json_object *reply = NULL;

	if (!buf)
		return NULL;
	/*
	 * A daemon that refuses us closes the socket, maybe before we
	 * write: its reason is still there to read.
	 */
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s))
		send(fd, "\n", 1, MSG_NOSIGNAL);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto out;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			goto out;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	*(char *)memchr(buf, '\n', len) = '\0';
	reply = json_tokener_parse(buf);
	if (reply && line) {
		*line = buf;
		buf = NULL;
	}
out:
	free(buf);
	return reply;
}

static struct json_object *ike_call(int fd, struct json_object *req)
{
	return ike_call_line(fd, json_object_to_json_string_ext(req,
				JSON_C_TO_STRING_PLAIN), NULL);
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *k, int64_t def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return def;
	return json_object_get_int64(v);
}

static const char *or(const char *s, const char *def)
{
	return s ? s : def;
}

static void print_ts(struct json_object *a)
{
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "," : "",
		       json_object_get_string(json_object_array_get_idx(a, i)));
	if (!n)
		printf("-");
}

/* "last error 2026-12-04T10:05:37Z (12 s ago): REASON", indented. */
static void print_error(const char *indent, struct json_object *e)
{
	printf("%slast error %s (%lld s ago): %s\n", indent,
	       or(jstr(e, "time"), "?"), (long long)jint(e, "age_s", 0),
	       or(jstr(e, "reason"), "?"));
}

static void print_errors(struct json_object *r)
{
	struct json_object *errs;

	if (!json_object_object_get_ex(r, "last_errors", &errs))
		return;
	for (size_t i = 0; i < json_object_array_length(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i);

		printf("%s: ", or(jstr(e, "conn"), "?"));
		print_error("", e);
	}
}

/* One side's MIF announcement: an interface a line. */
static void print_mif_list(struct json_object *mif, const char *key,
			   const char *side)
{
	struct json_object *l, *f, *addrs, *down;
	size_t n;

	if (!json_object_object_get_ex(mif, key, &l))
		return;
	n = json_object_array_length(l);
	if (!n)
		printf("    %s: no interfaces\n", side);
	for (size_t i = 0; i < n; i++) {
		f = json_object_array_get_idx(l, i);
		printf("    %s #%lld prio %lld%s:", side,
		       (long long)jint(f, "id", 0),
		       (long long)jint(f, "priority", 0),
		       json_object_object_get_ex(f, "down", &down) &&
		       json_object_get_boolean(down) ? " down" : "");
		if (json_object_object_get_ex(f, "addresses", &addrs))
			for (size_t j = 0; j < json_object_array_length(addrs);
			     j++)
				printf(" %s", json_object_get_string(
				       json_object_array_get_idx(addrs, j)));
		printf("\n");
	}
}

/* MIF on an IKE SA: negotiated or why not, then both lists. */
static void print_mif(struct json_object *sa)
{
	struct json_object *mif, *v;

	if (!json_object_object_get_ex(sa, "mif", &mif))
		return;
	if (!json_object_object_get_ex(mif, "negotiated", &v) ||
	    !json_object_get_boolean(v)) {
		printf("  mif: not negotiated (%s)\n", or(jstr(mif, "why"),
							  "?"));
		return;
	}
	printf("  mif: version %lld", (long long)jint(mif, "version", 0));
	if (json_object_object_get_ex(mif, "local_refused", &v) &&
	    json_object_get_boolean(v))
		printf(", our list refused by the peer");
	if (json_object_object_get_ex(mif, "announce_pending", &v) &&
	    json_object_get_boolean(v))
		printf(", announcing");
	printf("\n");
	print_mif_list(mif, "local_interfaces", "local");
	print_mif_list(mif, "peer_interfaces", "peer");
}

/* MOBIKE: on or off, and the peer's other addresses. */
static void print_mobike(struct json_object *sa)
{
	struct json_object *v, *a;
	size_t n;

	if (!json_object_object_get_ex(sa, "mobike", &v))
		return;
	if (!json_object_get_boolean(v)) {
		printf("  mobike: off\n");
		return;
	}
	printf("  mobike: on");
	if (json_object_object_get_ex(sa, "mobike_peer_addresses", &a) &&
	    (n = json_object_array_length(a))) {
		printf(", peer addresses");
		for (size_t i = 0; i < n; i++)
			printf(" %s", json_object_get_string(
			       json_object_array_get_idx(a, i)));
	}
	printf("\n");
}

/* "  ID <-> ID" and "  established N s ago, rekey in N s". */
static void print_ids_times(struct json_object *sa)
{
	const char *next = jint(sa, "reauth_s", -1) >= 0 ? "reauth" : "rekey";
	char key[16];

	if (jstr(sa, "local_id") || jstr(sa, "remote_id"))
		printf("  %s <-> %s\n", or(jstr(sa, "local_id"), "?"),
		       or(jstr(sa, "remote_id"), "?"));
	if (jint(sa, "established_s", -1) < 0)
		return;
	printf("  established %lld s ago",
	       (long long)jint(sa, "established_s", 0));
	snprintf(key, sizeof(key), "%s_s", next);
	if (jint(sa, key, -1) >= 0)
		printf(", %s in %lld s", next, (long long)jint(sa, key, 0));
	printf("\n");
}

/* Inner addresses: ours (initiator) or the peer's (responder). */
static void print_vips(struct json_object *sa)
{
	struct json_object *a;
	bool ours = json_object_object_get_ex(sa, "local_vips", &a);
	size_t n;

	if (!ours && !json_object_object_get_ex(sa, "peer_vips", &a))
		return;
	n = json_object_array_length(a);
	if (!n)
		return;
	printf("  inner addresses (%s):", ours ? "ours" : "the peer's");
	for (size_t i = 0; i < n; i++)
		printf(" %s", json_object_get_string(
		       json_object_array_get_idx(a, i)));
	if (jstr(sa, "pool"))
		printf(", pool %s", jstr(sa, "pool"));
	printf("\n");
}

/* Each pool: addresses in all, remembered, leased now. */
static void print_pools(struct json_object *r)
{
	struct json_object *pools;

	if (!json_object_object_get_ex(r, "pools", &pools))
		return;
	for (size_t i = 0; i < json_object_array_length(pools); i++) {
		struct json_object *p = json_object_array_get_idx(pools, i);

		printf("pool %s: %lld addresses, %lld leased, %lld online\n",
		       or(jstr(p, "name"), "?"), (long long)jint(p, "size", 0),
		       (long long)jint(p, "leased", 0),
		       (long long)jint(p, "online", 0));
	}
}

static void print_sas(struct json_object *r)
{
	struct json_object *sas, *children, *lts, *rts;
	size_t n;

	if (!json_object_object_get_ex(r, "ike_sas", &sas) ||
	    !(n = json_object_array_length(sas))) {
		printf("no IKE SAs\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *sa = json_object_array_get_idx(sas, i);
		size_t nc;

		printf("%s: IKE SA %s, %s, %s[%lld] <-> %s[%lld]\n",
		       or(jstr(sa, "conn"), "?"), or(jstr(sa, "state"), "?"),
		       or(jstr(sa, "role"), "?"), or(jstr(sa, "local"), "?"),
		       (long long)jint(sa, "local_port", 0),
		       or(jstr(sa, "remote"), "?"),
		       (long long)jint(sa, "remote_port", 0));
		printf("  spi_i %s spi_r %s", or(jstr(sa, "spi_i"), "?"),
		       or(jstr(sa, "spi_r"), "?"));
		if (jstr(sa, "encr")) {
			printf("  %s", jstr(sa, "encr"));
			if (jstr(sa, "integ"))
				printf("/%s", jstr(sa, "integ"));
			printf("/%s/%s", or(jstr(sa, "prf"), "?"),
			       or(jstr(sa, "dh"), "?"));
		}
		printf("\n");
		print_ids_times(sa);
		print_mif(sa);
		print_mobike(sa);
		print_vips(sa);
		if (!json_object_object_get_ex(sa, "children", &children))
			continue;
		nc = json_object_array_length(children);
		for (size_t j = 0; j < nc; j++) {
			struct json_object *c =
				json_object_array_get_idx(children, j);
			struct json_object *inst;
			bool installed = json_object_object_get_ex(c,
					"installed", &inst) &&
					json_object_get_boolean(inst);

			printf("  child %s in %s out %s %s%s, %s <-> %s",
			       or(jstr(c, "name"), "?"),
			       or(jstr(c, "spi_in"), "?"),
			       or(jstr(c, "spi_out"), "?"),
			       or(jstr(c, "mode"), "?"),
			       installed ? "" : " (not installed)",
			       or(jstr(c, "local"), "?"),
			       or(jstr(c, "remote"), "?"));
			if (jstr(c, "interface"))
				printf(" on %s", jstr(c, "interface"));
			printf(", %s", or(jstr(c, "encr"), "?"));
			if (jstr(c, "integ"))
				printf("/%s", jstr(c, "integ"));
			printf("\n    ");
			json_object_object_get_ex(c, "local_ts", &lts);
			json_object_object_get_ex(c, "remote_ts", &rts);
			print_ts(lts);
			printf(" === ");
			print_ts(rts);
			printf("\n");
			if (jint(c, "bytes_in", -1) >= 0)
				printf("    in %lld bytes, %lld packets; out "
				       "%lld bytes, %lld packets\n",
				       (long long)jint(c, "bytes_in", 0),
				       (long long)jint(c, "packets_in", 0),
				       (long long)jint(c, "bytes_out", 0),
				       (long long)jint(c, "packets_out", 0));
		}
	}
}

/* "NAME: connecting, attempt 3, next in 8 s, last error: REASON". */
static void print_retry(const char *prefix, struct json_object *t)
{
	printf("%sconnecting, attempt %lld", prefix,
	       (long long)jint(t, "attempt", 0));
	if (jint(t, "keyingtries", 0))
		printf(" of %lld", (long long)jint(t, "keyingtries", 0));
	if (jint(t, "next_in_ms", -1) >= 0)
		printf(", next in %lld s",
		       (long long)(jint(t, "next_in_ms", 0) + 999) / 1000);
	if (jstr(t, "last_error"))
		printf(", last error: %s", jstr(t, "last_error"));
	printf("\n");
}

static void print_list(struct json_object *r)
{
	struct json_object *a;
	char prefix[80];

	print_sas(r);
	print_pools(r);
	print_errors(r);
	if (!json_object_object_get_ex(r, "retries", &a))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *t = json_object_array_get_idx(a, i);

		snprintf(prefix, sizeof(prefix), "%s: ",
			 or(jstr(t, "conn"), "?"));
		print_retry(prefix, t);
	}
}

static void print_status(struct json_object *r)
{
	struct json_object *conns, *socks;
	size_t n;

	printf("mifd %s, pid %lld, up %llds, config %s, log level %s\n",
	       or(jstr(r, "version"), "?"), (long long)jint(r, "pid", 0),
	       (long long)jint(r, "uptime_s", 0), or(jstr(r, "config"), "?"),
	       or(jstr(r, "log_level"), "?"));
	printf("%lld IKE SAs, %lld Child SAs\n",
	       (long long)jint(r, "ike_sas", 0),
	       (long long)jint(r, "child_sas", 0));
	if (json_object_object_get_ex(r, "sockets", &socks)) {
		n = json_object_array_length(socks);
		printf("listening:");
		for (size_t i = 0; i < n; i++)
			printf(" %s", json_object_get_string(
				json_object_array_get_idx(socks, i)));
		printf("\n");
	}
	if (!json_object_object_get_ex(r, "conns", &conns))
		return;
	n = json_object_array_length(conns);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(conns, i);

		struct json_object *e;

		printf("conn %s: %s, %s <-> %s, %s, ike %s, esp %s\n",
		       or(jstr(c, "name"), "?"), or(jstr(c, "state"), "?"),
		       or(jstr(c, "local"), "?"), or(jstr(c, "remote"), "?"),
		       or(jstr(c, "mode"), "?"), or(jstr(c, "ike"), "?"),
		       or(jstr(c, "esp"), "?"));
		if (json_object_object_get_ex(c, "last_error", &e))
			print_error("  ", e);
		if (json_object_object_get_ex(c, "retry", &e))
			print_retry("  ", e);
	}
}

/* The local interfaces: one line each, then its addresses. */
static void print_interfaces(struct json_object *r)
{
	struct json_object *ifs, *addrs;
	size_t n;

	if (!json_object_object_get_ex(r, "interfaces", &ifs) ||
	    !(n = json_object_array_length(ifs)))
		printf("no interfaces\n");
	for (size_t i = 0; ifs && i < n; i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i);
		int64_t prio = jint(f, "priority", -1);
		size_t na;

		printf("%lld: %s (index %lld), %s, priority ",
		       (long long)jint(f, "id", 0), or(jstr(f, "name"), "?"),
		       (long long)jint(f, "ifindex", 0),
		       or(jstr(f, "state"), "?"));
		if (jstr(f, "priority"))
			printf("%lld", (long long)prio);
		else
			printf("-");
		if (jint(f, "ignored_addresses", 0))
			printf(", %lld addresses ignored",
			       (long long)jint(f, "ignored_addresses", 0));
		printf("\n");
		if (!json_object_object_get_ex(f, "addresses", &addrs))
			continue;
		na = json_object_array_length(addrs);
		for (size_t j = 0; j < na; j++)
			printf("  %s\n", json_object_get_string(
				json_object_array_get_idx(addrs, j)));
	}
	if (jint(r, "ignored_interfaces", 0))
		printf("%lld interfaces ignored (table full)\n",
		       (long long)jint(r, "ignored_interfaces", 0));
}

/*
 * The state of name's newest IKE SA: 2 established with an installed
 * Child SA, 1 on its way, 0 none; -1 if mifd cannot be asked.
 */
static int conn_state(const char *sock, const char *name,
		      struct json_object **sa_out, struct json_object **err_out)
{
	struct json_object *req, *reply, *sas, *children, *inst, *errs;
	int fd, best = 0;

	fd = ike_connect(sock);
	if (fd < 0)
		return -1;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	json_object_object_add(req, "conn", json_object_new_string(name));
	reply = ike_call(fd, req);
	json_object_put(req);
	close(fd);
	if (!reply || !json_object_object_get_ex(reply, "ike_sas", &sas)) {
		json_object_put(reply);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(sas); i++) {
		struct json_object *sa = json_object_array_get_idx(sas, i);
		const char *st = jstr(sa, "state");
		int s = 1;

		if (st && !strcmp(st, "established") &&
		    json_object_object_get_ex(sa, "children", &children))
			for (size_t j = 0;
			     j < json_object_array_length(children); j++)
				if (json_object_object_get_ex(
					json_object_array_get_idx(children, j),
					"installed", &inst) &&
				    json_object_get_boolean(inst))
					s = 2;
		if (s > best) {
			best = s;
			if (sa_out) {
				json_object_put(*sa_out);
				*sa_out = json_object_get(sa);
			}
		}
	}
	if (json_object_object_get_ex(reply, "last_errors", &errs))
		for (size_t i = 0; i < json_object_array_length(errs); i++) {
			struct json_object *e =
				json_object_array_get_idx(errs, i);

			if (or(jstr(e, "conn"), "")[0] &&
			    !strcmp(jstr(e, "conn"), name)) {
				json_object_put(*err_out);
				*err_out = json_object_get(e);
			}
		}
	json_object_put(reply);
	return best;
}

/* Whether err is a failure of the IKE SA spi_i (hex) or its Child SA. */
static bool failed_here(struct json_object *err, const char *spi_i)
{
	return err && spi_i && jstr(err, "spi_i") &&
	       !strcmp(jstr(err, "spi_i"), spi_i);
}

/* up -w gave up: why, on stderr; as JSON on stdout with -j. */
static int up_failed(struct mifctl *ctl, const char *name,
		     struct json_object *err, const char *fallback,
		     bool again)
{
	if (ctl->json && err)
		print_json(ctl, err);
	if (!err)
		fprintf(stderr, "mifctl: ike up %s: %s (see mifd's log)\n",
			name, fallback);
	else
		fprintf(stderr, "mifctl: ike up %s: failed: %s\n", name,
			or(jstr(err, "reason"), "?"));
	if (err &&
	    !json_object_get_boolean(json_object_object_get(err, "final")))
		fprintf(stderr, "mifctl: ike up %s: mifd goes on retransmitting "
			"its request until its retransmissions run out\n",
			name);
	else if (again)
		fprintf(stderr, "mifctl: ike up %s: mifd tries again "
			"(keyingtries); mifctl ike down %s stops it\n", name,
			name);
	return EXIT_FAILED;
}

/*
 * up -w: wait until the IKE SA spi_i (of the reply to up) is established
 * with a Child SA, or has failed: a failure of it recorded by mifd ends
 * the wait at once, with its reason.
 */
static int wait_up(struct mifctl *ctl, const char *sock, const char *name,
		   const char *spi_i, int wait_s, bool again)
{
	struct json_object *sa = NULL, *err = NULL;
	int seen = 0, rc;

	for (int t = 0; t <= wait_s * 10; t++) {
		int s = conn_state(sock, name, &sa, &err);

		if (s < 0) {
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		if (s == 2) {
			if (ctl->json)
				print_json(ctl, sa);
			else
				printf("%s: established, spi_i %s spi_r %s\n",
				       name, or(jstr(sa, "spi_i"), "?"),
				       or(jstr(sa, "spi_r"), "?"));
			rc = EXIT_OK;
			goto out;
		}
		if (failed_here(err, spi_i)) {
			rc = up_failed(ctl, name, err, NULL, again);
			goto out;
		}
		if (s == 1) {
			seen = 1;
		} else if (seen || t >= 20) {
			/* The attempt failed (gone, or never seen). */
			seen = 0;
			break;
		}
		usleep(100000);
	}
	if (seen) {
		char what[64];

		snprintf(what, sizeof(what), "no Child SA within %d s", wait_s);
		rc = up_failed(ctl, name, NULL, what, false);
	} else {
		rc = up_failed(ctl, name, failed_here(err, spi_i) ? err : NULL,
			       "failed", again);
	}
out:
	json_object_put(sa);
	json_object_put(err);
	return rc;
}

/* ike raw: the reply line as mifd sent it, -j or not. */
static int print_raw(struct json_object *reply, char *line)
{
	const char *err = jstr(reply, "error");
	int rc = EXIT_OK;

	puts(line);
	if (err) {
		fprintf(stderr, "mifctl: ike raw: %s\n", err);
		rc = EXIT_FAILED;
	}
	json_object_put(reply);
	free(line);
	return rc;
}

int cmd_ike(struct mifctl *ctl, int argc, char **argv)
{
	const char *sock = getenv("MIFD_SOCKET"), *cmd = NULL, *name = NULL;
	struct json_object *req, *reply, *iface_args = NULL;
	char *line = NULL;
	const char *err;
	int fd, i, wait_s = -1;

	if (!sock || !*sock)
		sock = IKE_DEFAULT_SOCKET;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s")) {
			if (++i >= argc)
				return usage_error("ike: -s needs a socket path");
			sock = argv[i];
		} else if (!strcmp(argv[i], "-w")) {
			uint32_t w;

			if (++i >= argc || parse_u32(argv[i], &w) || w > 3600)
				return usage_error("ike: -w needs seconds "
						   "(0 to 3600)");
			wait_s = (int)w;
		} else if (!strcmp(argv[i], "-j")) {
			ctl->json = true;
		} else if (!cmd) {
			cmd = argv[i];
		} else if (!strcmp(cmd, "iface") || !strcmp(cmd, "child")) {
			/*
			 * iface OP ARG..., child OP ARG...: the daemon
			 * parses the arguments.
			 */
			if (!name) {
				name = argv[i];
				iface_args = json_object_new_array();
			} else if (json_object_array_length(iface_args) >= 32) {
				json_object_put(iface_args);
				return usage_error("ike %s: at most 32 "
						   "arguments", cmd);
			} else {
				json_object_array_add(iface_args,
					json_object_new_string(argv[i]));
			}
		} else if (!name) {
			name = argv[i];
		} else {
			return usage_error("ike: unexpected \"%s\"", argv[i]);
		}
	}
	if (!cmd)
		return usage_error("ike needs a command: list, status, "
				   "interfaces, up, down, rekey, reload, iface, "
				   "child, raw");
	if (!strcmp(cmd, "up") || !strcmp(cmd, "down") ||
	    !strcmp(cmd, "rekey")) {
		if (!name)
			return usage_error("ike %s needs a connection name",
					   cmd);
	} else if (!strcmp(cmd, "iface")) {
		if (!name)
			return usage_error("ike iface needs an operation: move, "
					   "add, del, alt");
	} else if (!strcmp(cmd, "child")) {
		if (!name || (strcmp(name, "up") && strcmp(name, "down")) ||
		    json_object_array_length(iface_args) < 1) {
			json_object_put(iface_args);
			return usage_error("ike child: up|down NAME "
					   "[conn CONN]");
		}
	} else if (!strcmp(cmd, "list")) {
		/* optional NAME */
	} else if (!strcmp(cmd, "raw")) {
		/* Debugging: send the line as it is, print the reply. */
		if (!name)
			return usage_error("ike raw needs a request line");
	} else if (!strcmp(cmd, "status") || !strcmp(cmd, "reload") ||
		   !strcmp(cmd, "interfaces")) {
		if (name)
			return usage_error("ike %s takes no argument", cmd);
	} else {
		return usage_error("ike: unknown command \"%s\" (list, status, "
				   "interfaces, up, down, rekey, reload, iface, "
				   "child, raw)",
				   cmd);
	}

	fd = ike_connect(sock);
	if (fd < 0) {
		json_object_put(iface_args);
		return EXIT_UNREACHABLE;
	}
	if (!strcmp(cmd, "raw")) {
		reply = ike_call_line(fd, name, &line);
	} else {
		req = json_object_new_object();
		json_object_object_add(req, "cmd", json_object_new_string(cmd));
		if (iface_args) {
			json_object_object_add(req, "op",
					       json_object_new_string(name));
			json_object_object_add(req, "args", iface_args);
		} else if (name)
			json_object_object_add(req, "conn",
					       json_object_new_string(name));
		reply = ike_call(fd, req);
		json_object_put(req);
	}
	close(fd);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		fprintf(stderr, "mifctl: no valid reply from mifd at %s\n",
			sock);
		json_object_put(reply);
		free(line);
		return EXIT_UNREACHABLE;
	}
	if (line)
		return print_raw(reply, line);
	err = jstr(reply, "error");
	if (err) {
		if (ctl->json)
			print_json(ctl, reply);
		fprintf(stderr, "mifctl: ike %s: %s\n", cmd, err);
		json_object_put(reply);
		return EXIT_FAILED;
	}
	if (wait_s >= 0 && !strcmp(cmd, "up")) {
		struct json_object *v;
		bool again = json_object_object_get_ex(reply, "retry", &v) &&
			     json_object_get_boolean(v);
		char spi[24];

		snprintf(spi, sizeof(spi), "%s", or(jstr(reply, "spi_i"), ""));
		json_object_put(reply);
		return wait_up(ctl, sock, name, spi, wait_s, again);
	}
	if (ctl->json) {
		print_json(ctl, reply);
	} else if (!strcmp(cmd, "list")) {
		print_list(reply);
	} else if (!strcmp(cmd, "status")) {
		print_status(reply);
	} else if (!strcmp(cmd, "interfaces")) {
		print_interfaces(reply);
	} else if (!strcmp(cmd, "up")) {
		printf("%s: %s", name, or(jstr(reply, "state"), "?"));
		if (jstr(reply, "note"))
			printf(" (%s)", jstr(reply, "note"));
		printf("\n");
	} else if (!strcmp(cmd, "down")) {
		printf("%s: deleting %lld IKE SAs\n", name,
		       (long long)jint(reply, "ike_sas", 0));
	} else if (!strcmp(cmd, "rekey")) {
		printf("%s: rekeying %lld IKE SAs\n", name,
		       (long long)jint(reply, "ike_sas", 0));
	} else if (!strcmp(cmd, "iface") || !strcmp(cmd, "child")) {
		/* Each operation's reply says what it started. */
		printf("%s\n", or(jstr(reply, "summary"), "ok"));
	} else {
		printf("reloaded: %lld connections\n",
		       (long long)jint(reply, "conns", 0));
	}
	json_object_put(reply);
	return EXIT_OK;
}
