// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of mifctl's command line: the built tools/mifctl (build/mifctl, or
 * $MIFCTL) run with help and with bad arguments. A bad command line is
 * refused with exit status 2 and a message before anything is asked of the
 * module or of mifd, so these hold whether or not xfrm_mif is loaded and
 * mifd runs; on a host without the module, an argument checked only after
 * connecting would give 3, "not loaded", instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 16

struct run {
	int status;		/* exit status, or -1 if it did not exit */
	char out[16384];	/* standard output */
	char err[4096];		/* standard error */
};

static const char *mifctl(void)
{
	const char *p = getenv("MIFCTL");

	return p && *p ? p : "build/mifctl";
}

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run mifctl with the arguments of @line (split at spaces), @input on its
 * standard input. */
static void run_in(struct run *r, const char *line, const char *input)
{
	char copy[256], *argv[MAX_ARGS + 2], *save = NULL, *w;
	FILE *out = tmpfile(), *err = tmpfile(), *in = tmpfile();
	int argc = 0, status;
	pid_t pid;

	assert_non_null(out);
	assert_non_null(err);
	assert_non_null(in);
	assert_int_equal(fputs(input, in) < 0, 0);
	rewind(in);
	assert_true(strlen(line) < sizeof(copy));
	strcpy(copy, line);
	argv[argc++] = (char *)mifctl();
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = w;
	}
	argv[argc] = NULL;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* Neither the module nor mifd is reachable from here. */
		setenv("MIFD_SOCKET", "/nonexistent/mifd.sock", 1);
		if (dup2(fileno(in), 0) < 0 || dup2(fileno(out), 1) < 0 ||
		    dup2(fileno(err), 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	fclose(in);
}

static void run(struct run *r, const char *line)
{
	run_in(r, line, "");
}

static int setup(void **state)
{
	if (access(mifctl(), X_OK)) {
		fprintf(stderr, "%s: not built (make tools)\n", mifctl());
		return -1;
	}
	return 0;
}

/* Exit 2 with @msg on standard error and nothing on standard output. */
static void refused(const char *line, const char *msg)
{
	struct run r;

	run(&r, line);
	if (r.status != 2 || !strstr(r.err, msg) || r.out[0])
		fail_msg("mifctl %s: exit %d, stderr \"%s\", stdout \"%s\"; "
			 "want exit 2 and \"%s\"", line, r.status, r.err, r.out,
			 msg);
}

/* As refused, with @input on standard input. */
static void refused_in(const char *line, const char *input, const char *msg)
{
	struct run r;

	run_in(&r, line, input);
	if (r.status != 2 || !strstr(r.err, msg) || r.out[0])
		fail_msg("mifctl %s < \"%s\": exit %d, stderr \"%s\"; want exit 2 "
			 "and \"%s\"", line, input, r.status, r.err, msg);
}

/* Exit 0 with @text on standard output and nothing on standard error. */
static void helped(const char *line, const char *text)
{
	struct run r;

	run(&r, line);
	if (r.status != 0 || !strstr(r.out, text) || r.err[0])
		fail_msg("mifctl %s: exit %d, stdout \"%s\", stderr \"%s\"; "
			 "want exit 0 and \"%s\"", line, r.status, r.out, r.err,
			 text);
}

/* --help, -h and help print every command's usage on standard output. */
static void help_all(void **state)
{
	static const char *const lines[] = { "--help", "-h", "help" };
	static const char *const cmds[] = {
		"mifctl info", "mifctl sa delete ADDR", "mifctl sa rewrite OLD NEW",
		"mifctl sa clone NEWADDR", "mifctl sa show [ADDR]",
		"mifctl alt set", "mifctl alt show", "mifctl alt del ADDR",
		"mifctl monitor", "mifctl ike", "mifctl help [OBJECT [VERB]]",
		"mifctl [-j] [-p] [-n NETNS] OBJECT [VERB] [ARGS]",
		"mifctl [-j] [-p] [-n NETNS] [-f] -b FILE|-",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		for (size_t j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++)
			helped(lines[i], cmds[j]);
}

/* help COMMAND prints that command's usage and what it does. */
static void help_command(void **state)
{
	struct run r;

	helped("help sa delete", "Usage: mifctl sa delete ADDR [reqid N[/MASK]]");
	helped("help sa delete", "Delete every SA and policy bound to ADDR.");
	helped("help delete", "Usage: mifctl sa delete ADDR [reqid N[/MASK]]");
	helped("help alt", "mifctl alt del ADDR [mark N [mask N]] [if_id N] [reqid N[/MASK]]");
	helped("help sa", "mifctl sa rewrite OLD NEW");
	helped("help sa", "mifctl sa clone NEWADDR");
	helped("help ike", "Usage: mifctl ike [-s SOCKET] list");
	run(&r, "help sa rewrite");
	assert_null(strstr(r.out, "delete"));
	helped("--version", "mifctl ");
	helped("-V", "mifctl ");
}

static void help_errors(void **state)
{
	refused("help nosuch", "help: unknown command \"nosuch\"");
	refused("help delete rewrite", "help takes at most one command");
	refused("--bogus", "unrecognized option");
	refused("", "Usage: mifctl");
	refused("nosuch", "unknown command \"nosuch\" (try mifctl help)");
	refused("help sa nosuch", "help: sa has no verb \"nosuch\"");
	refused("help alt set", "help takes at most one command");
	refused("sa", "sa needs a verb: show, delete, rewrite, clone");
	refused("sa info", "sa: unknown verb \"info\"");
}

/*
 * A line of the sa object's, refused the same as mifctl sa LINE and as
 * mifctl LINE (its verb alone, as mifctl had it before the sa object).
 */
static void sa_refused(const char *line, const char *msg)
{
	char sa[256];

	snprintf(sa, sizeof(sa), "sa %s", line);
	refused(sa, msg);
	refused(line, msg);
}

/* Keywords and their values are checked before the module is asked. */
static void bad_keywords(void **state)
{
	sa_refused("delete 192.0.2.1 reqd 5", "delete: unknown keyword \"reqd\"");
	sa_refused("delete 192.0.2.1 reqid", "delete: reqid needs a number");
	sa_refused("delete 192.0.2.1 mark -1", "delete: mark needs a number");
	sa_refused("delete 192.0.2.1 dry-run if_id 4294967296",
		"delete: if_id needs a number");
	sa_refused("delete 192.0.2.x", "\"192.0.2.x\" is not an IPv4 or IPv6 address");
	sa_refused("delete", "delete needs an address");
	sa_refused("rewrite 192.0.2.1 192.0.2.2 prot 4500",
		"rewrite: unknown keyword \"prot\"");
	sa_refused("rewrite 192.0.2.1 192.0.2.2 port 0",
		"rewrite: port needs a UDP port from 1 to 65535");
	sa_refused("rewrite 192.0.2.1 192.0.2.2 peer-port 65536",
		"rewrite: peer-port needs a UDP port");
	sa_refused("rewrite 192.0.2.1 192.0.2.2 port 4500 mask x",
		"rewrite: mask needs a number");
	sa_refused("rewrite 192.0.2.1 2001:db8::1", "are not of one family");
	sa_refused("clone 192.0.2.9 from 192.0.2.1 reqidd 1",
		"clone: unknown keyword \"reqidd\"");
	sa_refused("clone 192.0.2.9", "clone: from needs at least one address");
	sa_refused("show 192.0.2.1 extra", "usage: mifctl sa show [ADDR]");
	refused("alt set 192.0.2.1 192.0.2.2 mrak 1", "\"mrak\" is not an IPv4");
	refused("alt del 192.0.2.1 iface 3", "alt del: unknown keyword \"iface\"");
	refused("alt delete 192.0.2.1 iface 3", "alt del: unknown keyword \"iface\"");
	refused("alt sett", "alt: unknown subcommand \"sett\"");
	refused("monitor count 0", "monitor: count needs a positive number");
	refused("info now", "info takes no arguments");
}

/*
 * reqid N/MASK, a block of reqids (one IKE SA's), where reqid N is taken:
 * each half a number as reqid N takes it, nothing more.
 */
static void reqid_masks(void **state)
{
	static const char *const bad[] = {
		"0x1000/", "/0xfffff000", "0x1000/0xfffff000/0", "4096/-1",
		"0x1000/4294967296", "0x1000/0xfffff00g",
	};
	static const struct {
		const char *verb, *args;
	} cmds[] = {
		{ "delete", "192.0.2.1" },
		{ "rewrite", "192.0.2.1 192.0.2.2 dry-run" },
		{ "clone", "192.0.2.9 from 192.0.2.1" },
	};
	char line[256], msg[64];
	struct run r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (size_t j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++) {
			snprintf(line, sizeof(line), "%s %s reqid %s", cmds[j].verb,
				 cmds[j].args, bad[i]);
			snprintf(msg, sizeof(msg), "%s: reqid needs a number",
				 cmds[j].verb);
			sa_refused(line, msg);
		}
		snprintf(line, sizeof(line), "alt set 192.0.2.1 192.0.2.2 reqid %s",
			 bad[i]);
		refused(line, "alt set: reqid needs a number from 0 to 4294967295, "
			"or NUMBER/MASK");
		snprintf(line, sizeof(line), "alt del 192.0.2.1 reqid %s", bad[i]);
		refused(line, "alt del: reqid needs a number");
	}
	refused("alt set 192.0.2.1 192.0.2.2 dry-run",
		"alt set: an alternate set has no dry-run");
	/*
	 * Good ones get as far as the module (changing nothing, should it be
	 * there).
	 */
	run(&r, "delete 192.0.2.1 reqid 0x1000/0xfffff000 dry-run");
	assert_int_not_equal(r.status, 2);
	run(&r, "alt del 192.0.2.1 reqid 4096/4294963200 mark 1");
	assert_int_not_equal(r.status, 2);
	run(&r, "sa clone 192.0.2.9 from 192.0.2.1 reqid 0x1000/0 dry-run");
	assert_int_not_equal(r.status, 2);
}

#define CLONE "clone 192.0.2.9 from 192.0.2.1 "
#define KEY16 "0x00112233445566778899aabbccddeeff"

/*
 * clone takes keys from a file or standard input only, each line an sa
 * entry; a key on the command line, which ps and the shell's history would
 * show, is refused. All checked before the module is asked.
 */
static void clone_keys(void **state)
{
	struct run r;

	refused(CLONE "sa 1 2 enc " KEY16, "clone: no keys on the command line");
	refused(CLONE "auth " KEY16, "keys-file FILE (- for standard input)");
	refused(CLONE "keys-file", "clone: keys-file needs a file");
	refused(CLONE "keys-file - keys-file -", "keys-file given twice");
	refused(CLONE "keys-file /nonexistent/keys",
		"clone: keys-file /nonexistent/keys: No such file or directory");
	refused_in(CLONE "keys-file -", "sa 1 2 enc 0xzz\n",
		   "keys-file (standard input) line 1: enc needs a key of "
		   "hexadecimal digits");
	refused_in(CLONE "keys-file -", "# a comment\n\nenc " KEY16 "\n",
		   "line 3: \"enc\": a line is one sa entry");
	refused_in(CLONE "keys-file -", "sa 1 2 enc " KEY16 " reqid 3\n",
		   "line 1: unknown keyword \"reqid\" in an sa entry");
	refused_in(CLONE "keys-file -", "sa 1\n",
		   "line 1: sa needs an SPI and a new SPI");
	refused_in(CLONE "keys-file -", "sa 1 2 dst 192.0.2.300\n",
		   "\"192.0.2.300\" is not an IPv4 or IPv6 address");
	/* Good entries get as far as the module, which is not here. */
	run_in(&r, CLONE "sa 5 6 proto comp keys-file - dry-run",
	       "sa 1 2 enc " KEY16 " auth " KEY16 "00112233445566778899aabbccddeeff  # out\n"
	       "\tsa 3 4 dst 192.0.2.2 enc " KEY16 " port 4500\r\n");
	assert_int_not_equal(r.status, 2);
	assert_null(strstr(r.err, "keys-file"));
}

/* The same for mifd's commands: checked before the socket is opened. */
static void bad_ike_commands(void **state)
{
	refused("ike", "ike needs a command");
	refused("ike stat", "ike: unknown command \"stat\"");
	refused("ike up", "ike up needs a connection name");
	refused("ike rekey", "ike rekey needs a connection name");
	refused("ike rekey a b", "ike: unexpected \"b\"");
	refused("ike status extra", "ike status takes no argument");
	refused("ike up a b", "ike: unexpected \"b\"");
	refused("ike up a -w 3601", "ike: -w needs seconds");
	refused("ike -s", "ike: -s needs a socket path");
}

/*
 * -b FILE: a command a line, in one process. Quotes, escapes and comments
 * are read as a shell would; the batch stops at the first failure with its
 * line number and that command's exit status, or with -f goes on and exits
 * with the first failure's status.
 */
static void batch(void **state)
{
	struct run r;

	run_in(&r, "-b -", "# a comment\n\n  help 'sa' \"delete\"  # why\n"
			   "help al\\t\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Usage: mifctl sa delete ADDR"));
	assert_non_null(strstr(r.out, "Usage: mifctl alt set ADDR"));
	assert_string_equal(r.err, "");

	run_in(&r, "-b -", "help alt\nbogus\nhelp info\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "mifctl alt set"));
	assert_null(strstr(r.out, "mifctl info"));
	assert_non_null(strstr(r.err, "unknown command \"bogus\""));
	assert_non_null(strstr(r.err, "mifctl: batch - line 2 failed"));

	run_in(&r, "-f -b -", "help alt\nbogus\nhelp info\nhelp x\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "mifctl info"));
	assert_non_null(strstr(r.err, "line 2 failed"));
	assert_non_null(strstr(r.err, "line 4 failed"));

	refused_in("-b -", "help \"alt\n", "batch - line 1: unterminated quote");
	refused_in("-b -", "help alt\\\n", "batch - line 1: unterminated quote or escape");
	refused_in("-b -", "clone 10.0.0.1 from 10.0.0.2 keys-file -\n",
		   "keys-file -: standard input holds the batch");
	refused("-b - info", "-b FILE takes its commands from FILE");
	refused("-f info", "-f goes with -b FILE");
	refused("-b /nonexistent/batch", "batch /nonexistent/batch: No such file");

	run(&r, "-n mif-no-such-namespace info");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "network namespace mif-no-such-namespace: "
				      "No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_all),
		cmocka_unit_test(help_command),
		cmocka_unit_test(help_errors),
		cmocka_unit_test(bad_keywords),
		cmocka_unit_test(reqid_masks),
		cmocka_unit_test(bad_ike_commands),
		cmocka_unit_test(clone_keys),
		cmocka_unit_test(batch),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
