// SPDX-License-Identifier: GPL-2.0
/*
 * mifd's "list" reply (mifctl -j ike list), whole: an IKE SA with MIF,
 * inner addresses from a pool, a NAT, and two Child SAs, one of them
 * installed with counters, compared byte for byte with what mifd has
 * always answered. Interop cases read these keys: a change here is a
 * change of mifctl's output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/daemon.h"
#include "engine/ike_sa.h"
#include "harness.h"

/* Counters as the kernel would give them: from the SPI, for the test. */
static int stats(struct backend *b, const struct ip_addr *dst, uint32_t spi,
		 uint32_t mark, uint32_t mark_mask, struct kernel_sa_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->bytes = spi & 0xffff;
	st->packets = spi >> 24;
	return 0;
}

static const struct backend_ops stats_ops = { .sa_stats = stats };

static const struct transform aes = { .name = "aes256gcm16" };
static const struct transform sha = { .name = "prfsha256" };
static const struct transform ecp = { .name = "ecp256" };
static const struct transform cbc = { .name = "aes128" };
static const struct transform hmac = { .name = "sha256" };

static void addr(struct ip_addr *a, const char *text)
{
	assert_int_equal(ip_addr_parse(text, a), 0);
}

static void mif_iface(struct mif_iface *f, uint16_t id, uint8_t prio,
		      const char *v4, bool down)
{
	struct ip_addr a;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->prio = prio;
	f->flags = down ? MIF_IFACE_DOWN : 0;
	if (v4) {
		addr(&a, v4);
		memcpy(f->addr4[0], a.bytes, 4);
		f->n4 = 1;
	}
}

/* Keys that tell the time: present, then taken out of the comparison. */
static void drop_times(struct json_object *o)
{
	static const char *const keys[] = {
		"last_heard_ms", "established_s", "established_time",
		"rekey_s", "rekey_time",
	};
	struct json_object *v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_true(json_object_object_get_ex(o, keys[i], &v));
		json_object_object_del(o, keys[i]);
	}
}

static const char golden[] =
	"{\"ike_sas\":[{\"conn\":\"gw\",\"state\":\"established\","
	"\"role\":\"initiator\",\"spi_i\":\"0x0123456789abcdef\","
	"\"spi_r\":\"0xfedcba9876543210\",\"local\":\"192.0.2.1\","
	"\"local_port\":4500,\"remote\":\"198.51.100.2\","
	"\"remote_port\":4501,\"nat\":\"local\",\"encr\":\"aes256gcm16\","
	"\"prf\":\"prfsha256\",\"dh\":\"ecp256\","
	"\"local_id\":\"fqdn:a.example\",\"remote_id\":\"fqdn:b.example\","
	"\"mif\":{\"negotiated\":true,\"version\":1,"
	"\"local_interfaces\":[{\"id\":1,\"priority\":0,\"down\":false,"
	"\"addresses\":[\"192.0.2.1\"]},{\"id\":2,\"priority\":5,"
	"\"down\":true,\"addresses\":[]}],\"local_refused\":false,"
	"\"announce_pending\":true,\"peer_interfaces\":[{\"id\":7,"
	"\"priority\":1,\"down\":false,\"addresses\":[\"198.51.100.2\"]}]},"
	"\"mobike\":false,\"mobike_peer_addresses\":[],"
	"\"local_vips\":[\"10.9.0.5\",\"2001:db8:9::5\"],\"pool\":\"p\","
	"\"children\":[{\"name\":\"gw\",\"spi_in\":\"0xc1000102\","
	"\"spi_out\":\"0x0c000304\",\"reqid\":7,\"mode\":\"tunnel\","
	"\"installed\":true,\"local\":\"192.0.2.1\","
	"\"remote\":\"198.51.100.2\",\"interface\":\"wlan0\","
	"\"local_iface\":1,\"remote_iface\":7,\"encr\":\"aes128\","
	"\"integ\":\"sha256\",\"esn\":true,"
	"\"local_ts\":[\"10.1.0.0/16\",\"10.2.0.1-10.2.0.9[6/80-90]\"],"
	"\"remote_ts\":[\"10.3.0.0/24[17]\",\"10.4.0.4/32[6/443]\"],"
	"\"bytes_in\":258,\"packets_in\":193,\"bytes_out\":772,"
	"\"packets_out\":12},{\"name\":\"gw\",\"spi_in\":\"0x00000000\","
	"\"spi_out\":\"0x00000000\",\"reqid\":8,\"mode\":\"transport\","
	"\"installed\":false,\"local\":\"192.0.2.9\","
	"\"remote\":\"198.51.100.9\",\"interface\":null,"
	"\"local_iface\":0,\"remote_iface\":0,\"esn\":false,"
	"\"local_ts\":[],\"remote_ts\":[]}]}],\"pools\":[],"
	"\"last_errors\":[],\"retries\":[]}";

static void list_whole(void **state)
{
	static struct daemon d;
	static struct conn c = { .name = "gw" };
	static struct ikesa sa;
	static struct ip_addr vips[2];
	static struct childsa c1, c2;
	static struct mif_sa m;
	static struct mif_interfaces ours, theirs;
	struct control_peer admin = { .pid = 1, .uid = 0, .admin = true };
	struct iface ifc = { .name = "wlan0", .ifindex = 3, .up = true };
	struct json_object *req, *rep, *a;
	struct pool_range r;
	const char *why, *text;
	uint64_t now = daemon_now();
	static uint8_t peer[] = { IKE_ID_FQDN, 'b', '.', 'e', 'x', 'a', 'm',
				  'p', 'l', 'e' };

	d.backend.ops = &stats_ops;
	assert_int_equal(engine_iface_update(&d.engine, &ifc), 0);
	set_id(&c.local_id, "a.example");

	sa.engine = &d.engine;
	sa.conn = &c;
	sa.state = IKESA_ESTABLISHED;
	sa.initiator = true;
	sa.spi_i = 0x0123456789abcdefULL;
	sa.spi_r = 0xfedcba9876543210ULL;
	addr(&sa.local, "192.0.2.1");
	addr(&sa.remote, "198.51.100.2");
	sa.local_port = 4500;
	sa.remote_port = 4501;
	sa.nat.natd = true;
	sa.nat.local = true;
	sa.ike.encr = &aes;
	sa.ike.prf = &sha;
	sa.ike.dh = &ecp;
	sa.peer_id = peer;
	sa.peer_id_len = sizeof(peer);
	sa.last_heard = now - 10;
	sa.established_at = now - 5000;
	sa.rekey_at = now + 100000;

	m.version = 1;
	m.sent = true;
	m.pending = true;
	m.have_peer = true;
	m.ours = &ours;
	m.peer = &theirs;
	m.ours->n = 2;
	mif_iface(&m.ours->iface[0], 1, 0, "192.0.2.1", false);
	mif_iface(&m.ours->iface[1], 2, 5, NULL, true);
	m.peer->n = 1;
	mif_iface(&m.peer->iface[0], 7, 1, "198.51.100.2", false);
	sa.mif_status = MIF_ON;
	sa.mif = &m;

	assert_int_equal(pool_range_parse("10.9.0.0/24", &r, &why), 0);
	sa.pool = pool_new("p", &r, 1);
	assert_non_null(sa.pool);
	sa.vips = vips;
	sa.n_vips = 2;
	addr(&sa.vips[0], "10.9.0.5");
	addr(&sa.vips[1], "2001:db8:9::5");

	c1.local = sa.local;
	c1.remote = sa.remote;
	c1.local_iface = 1;
	c1.remote_iface = 7;
	c1.spi_in = 0xc1000102;
	c1.spi_out = 0x0c000304;
	c1.reqid = 7;
	c1.mode = KERNEL_MODE_TUNNEL;
	c1.encr = &cbc;
	c1.integ = &hmac;
	c1.esn = true;
	c1.installed = true;
	c1.n_local_ts = 2;
	sel4(&c1.local_ts[0], "10.1.0.0", "10.1.255.255");
	sel4(&c1.local_ts[1], "10.2.0.1", "10.2.0.9");
	c1.local_ts[1].ip_proto = 6;
	c1.local_ts[1].start_port = 80;
	c1.local_ts[1].end_port = 90;
	c1.n_remote_ts = 2;
	sel4(&c1.remote_ts[0], "10.3.0.0", "10.3.0.255");
	c1.remote_ts[0].ip_proto = 17;
	sel4(&c1.remote_ts[1], "10.4.0.4", "10.4.0.4");
	c1.remote_ts[1].ip_proto = 6;
	c1.remote_ts[1].start_port = 443;
	c1.remote_ts[1].end_port = 443;

	addr(&c2.local, "192.0.2.9");
	addr(&c2.remote, "198.51.100.9");
	c2.reqid = 8;
	c2.mode = KERNEL_MODE_TRANSPORT;
	c1.next = &c2;
	sa.children = &c1;
	d.engine.sas = &sa;

	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	rep = daemon_request(&d, &admin, req);
	assert_true(json_object_object_get_ex(rep, "ike_sas", &a));
	drop_times(json_object_array_get_idx(a, 0));
	text = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(text, golden))
		print_message("got %s\n", text);
	assert_string_equal(text, golden);
	json_object_put(rep);
	json_object_put(req);

	d.engine.sas = NULL;
	pool_free(sa.pool);
	iface_table_free(&d.engine.ifaces);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
