/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mifctl: shared declarations of the command-line tool.
 */
#ifndef MIFCTL_H
#define MIFCTL_H

#include <json-c/json.h>
#include <stdbool.h>

#include "mifnl.h"

/* Exit codes a script can rely on (see mifctl(8)). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the kernel refused or the operation failed */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOMODULE = 3,	/* xfrm_mif is not loaded */
};

struct mifctl {
	bool json;		/* -j */
	bool pretty;		/* -p */
	bool stdin_taken;	/* -b -: the batch reads standard input */
	struct mifnl nl;
};

struct command {
	const char *name;
	int (*run)(struct mifctl *ctl, int argc, char **argv);
	const char *usage;
	const char *summary;	/* for mifctl help COMMAND */
};

int run_command(struct mifctl *ctl, int argc, char **argv);
int run_batch(struct mifctl *ctl, const char *name, bool force);

int cmd_info(struct mifctl *ctl, int argc, char **argv);
int cmd_delete(struct mifctl *ctl, int argc, char **argv);
int cmd_clone(struct mifctl *ctl, int argc, char **argv);
int cmd_rewrite(struct mifctl *ctl, int argc, char **argv);
int cmd_show(struct mifctl *ctl, int argc, char **argv);
int cmd_alt(struct mifctl *ctl, int argc, char **argv);
int cmd_monitor(struct mifctl *ctl, int argc, char **argv);
int cmd_ike(struct mifctl *ctl, int argc, char **argv);

/* What an operation or event changed. */
struct counts {
	uint32_t states;
	uint32_t policies;
};

/*
 * The filter keywords of delete, rewrite and clone (reqid N[/MASK], if_id,
 * mark, mask, dry-run), and the scope of an alternate set (the same but
 * dry-run), read in full before the module is asked anything: a bad command
 * line gets the same error whether or not the module is loaded.
 */
enum { F_REQID, F_IF_ID, F_MARK, F_MASK, F_REQID_MASK, FILTER_NUMS };
struct filter {
	uint32_t flags;			/* XFRM_MIF_OPF_* */
	uint32_t num[FILTER_NUMS];	/* by F_* */
	bool has_num[FILTER_NUMS];
};

/* Output, print.c: one call per field for text and -j alike. */
void print_str(struct mifctl *ctl, struct json_object *o, const char *key,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void print_u32(struct mifctl *ctl, struct json_object *o, const char *key,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Helpers of mifctl.c. */
int parse_addr_arg(const char *arg, struct ip_addr *addr);
void read_counts(struct nlattr **attrs, struct counts *c);
void print_counts(struct mifctl *ctl, struct json_object *obj, const char *label,
		  const struct ip_addr *addr, const struct counts *c);
void print_move(struct mifctl *ctl, struct json_object *obj, const char *label,
		const struct ip_addr *from, const struct ip_addr *to,
		const struct counts *c);
int parse_u32(const char *s, uint32_t *v);
int parse_filter_arg(struct filter *f, const char *cmd, int argc, char **argv,
		     int *i);
int put_filter(struct nl_msg *msg, const struct filter *f);
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kernel_error(struct mifctl *ctl, const char *what, int err);
int connect_module(struct mifctl *ctl);
void print_json(struct mifctl *ctl, struct json_object *obj);

#endif
