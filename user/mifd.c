// SPDX-License-Identifier: GPL-2.0
/*
 * mifd: the IKEv2 daemon with multiple-interface extensions.
 *
 *	mifd [-f CONFIG] [-s SOCKET] [-d] [-v] [-V] [-h]
 *
 * See mifd(8) and mifd.conf(5).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mifd [-f CONFIG] [-s SOCKET] [-d] [-v] [-n]\n"
		"       mifd -V | -h\n"
		"  -f CONFIG  configuration file (default %s)\n"
		"  -s SOCKET  control socket, overriding the configuration\n"
		"  -d         stay in the foreground and log to stderr\n"
		"  -v         log at debug level from the start\n"
		"  -n         check the configuration and exit\n"
		"  -V         print the version\n",
		CONF_DEFAULT_PATH);
}

static int check_only(const char *path)
{
	char err[8192];
	struct conf *c;

	if (conf_load(path, &c, err, sizeof(err))) {
		fputs(err, stderr);
		return EXIT_FAILURE;
	}
	fputs(c->warnings, stderr);
	printf("%s: %u connections, OK\n", path, c->n_conns);
	conf_free(c);
	return EXIT_SUCCESS;
}

/* sd_notify(3); without NOTIFY_SOCKET it does nothing. */
static void notify(const char *state)
{
	static bool said;
	int ret = sd_notify(0, state);

	if (ret < 0 && !said) {
		said = true;
		mlog(LOG_WARNING, "cannot notify the service manager: %s",
		     strerror(-ret));
	}
}

int main(int argc, char **argv)
{
	const char *conf_path = CONF_DEFAULT_PATH, *sock = NULL;
	bool foreground = false, verbose = false, check = false;
	static struct daemon d;
	int opt, ret;

	while ((opt = getopt(argc, argv, "f:s:dvnVh")) != -1) {
		switch (opt) {
		case 'f':
			conf_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'd':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'n':
			check = true;
			break;
		case 'V':
			printf("mifd %s\n", MIF_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return check_only(conf_path);
	if (sock && (sock[0] != '/' || strlen(sock) >= CONF_PATH_MAX)) {
		fprintf(stderr, "mifd: -s: an absolute path shorter than %d "
			"bytes\n", CONF_PATH_MAX);
		return 2;
	}

	/*
	 * Without -d mifd still runs in the foreground (systemd's
	 * Type=notify), but logs to syslog; errors before it has started
	 * also go to stderr (log.h).
	 */
	log_open(foreground, verbose ? LOG_DEBUG : LOG_INFO);
	ret = daemon_start(&d, conf_path, sock);
	if (ret) {
		mlog(LOG_ERR, "not started: %s", strerror(-ret));
		daemon_stop(&d);
		return EXIT_FAILURE;
	}
	log_started();
	if (verbose)
		log_set_level(LOG_DEBUG);
	/* Control socket, configuration and IKE sockets: all there. */
	d.notify = notify;
	daemon_notify(&d, "READY=1");
	while (!d.stop) {
		ret = daemon_run_once(&d);
		if (ret) {
			mlog(LOG_ERR, "main loop: %s", strerror(-ret));
			break;
		}
	}
	daemon_notify(&d, "STOPPING=1");
	daemon_stop(&d);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
