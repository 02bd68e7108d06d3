// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl info: the module's version and features.
 */
#include <linux/xfrm_mif.h>
#include <errno.h>
#include <stdio.h>

#include "mifctl.h"

struct info {
	uint32_t version;
	uint32_t features;
};

static int on_info(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct info *info = arg;

	if (attrs[XFRM_MIF_A_VERSION])
		info->version = nla_get_u32(attrs[XFRM_MIF_A_VERSION]);
	if (attrs[XFRM_MIF_A_FEATURES])
		info->features = nla_get_u32(attrs[XFRM_MIF_A_FEATURES]);
	return 0;
}

static const struct {
	uint32_t bit;
	const char *name;
} feature_names[] = {
	{ XFRM_MIF_F_REWRITE, "rewrite" },
	{ XFRM_MIF_F_CLONE, "clone" },
	{ XFRM_MIF_F_DELETE, "delete" },
	{ XFRM_MIF_F_ALTERNATES, "alternates" },
	{ XFRM_MIF_F_DUMP, "dump" },
};

int cmd_info(struct mifctl *ctl, int argc, char **argv)
{
	struct info info = { 0 };
	struct json_object *o, *f;
	struct nl_msg *msg;
	int rc, err;

	if (argc != 1)
		return usage_error("info takes no arguments");
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_GET_INFO, 0);
	if (!msg)
		return kernel_error(ctl, "info", -ENOMEM);
	err = mifnl_request(&ctl->nl, msg, on_info, &info);
	if (err)
		return kernel_error(ctl, "info", err);

	o = ctl->json ? json_object_new_object() : NULL;
	f = ctl->json ? json_object_new_array() : NULL;
	print_u32(ctl, o, "version", "xfrm_mif version %u\nfeatures:", info.version);
	for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (info.features & feature_names[i].bit)
			print_str(ctl, f, NULL, " %s", feature_names[i].name);
	if (ctl->json) {
		json_object_object_add(o, "features", f);
		print_json(ctl, o);
		json_object_put(o);
	} else {
		printf("\n");
	}
	return EXIT_OK;
}
