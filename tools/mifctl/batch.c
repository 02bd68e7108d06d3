// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl -b FILE: one command a line, read from FILE ("-": standard input)
 * and run in this one process, as ip -batch does. Words are split at
 * blanks; '...' and "..." quote, a backslash outside quotes escapes the
 * next character, and # starts a comment where a word could start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifctl.h"

#define BATCH_MAX_WORDS 512

/*
 * Split @line in place into @argv: the number of words, or -EINVAL for an
 * unterminated quote or a trailing backslash, -E2BIG for too many words.
 */
static int split_line(char *line, char **argv, int max)
{
	char *in = line, *out = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			in++;
		if (!*in || *in == '#')
			return argc;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = out;
		for (; *in; in++) {
			if (quote) {
				if (*in == quote)
					quote = 0;
				else
					*out++ = *in;
			} else if (*in == '\'' || *in == '"') {
				quote = *in;
			} else if (*in == '\\') {
				if (!*++in || *in == '\n')
					return -EINVAL;
				*out++ = *in;
			} else if (*in == ' ' || *in == '\t' || *in == '\n' ||
				   *in == '\r') {
				break;
			} else {
				*out++ = *in;
			}
		}
		if (quote)
			return -EINVAL;
		/* The terminator may overwrite the blank that ended the word:
		 * out never passes in. */
		if (*in)
			in++;
		*out++ = '\0';
	}
}

int run_batch(struct mifctl *ctl, const char *name, bool force)
{
	char *line = NULL, *argv[BATCH_MAX_WORDS];
	bool std = !strcmp(name, "-");
	int rc = EXIT_OK, n = 0;
	size_t cap = 0;
	FILE *f;

	f = std ? stdin : fopen(name, "re");
	if (!f)
		return usage_error("batch %s: %s", name, strerror(errno));
	ctl->stdin_taken = std;
	while (getline(&line, &cap, f) >= 0) {
		int argc = split_line(line, argv, BATCH_MAX_WORDS), r;

		n++;
		if (argc == 0)
			continue;
		if (argc < 0)
			r = usage_error("batch %s line %d: %s", name, n,
					argc == -E2BIG ? "too many words" :
					"unterminated quote or escape");
		else
			r = run_command(ctl, argc, argv);
		fflush(stdout);
		if (r == EXIT_OK)
			continue;
		fprintf(stderr, "mifctl: batch %s line %d failed\n", name, n);
		if (rc == EXIT_OK)
			rc = r;
		if (!force)
			break;
	}
	if (ferror(f) && rc == EXIT_OK)
		rc = usage_error("batch %s: %s", name, strerror(errno));
	free(line);
	if (!std)
		fclose(f);
	return rc;
}
