# SPDX-License-Identifier: GPL-2.0
#
# mif: IPsec for hosts and gateways with several network interfaces.
#
#   make            the xfrm_mif module, mifd and mifctl
#   make check      every test layer, the debug kernel's beside them (README.md)
#   make check-all  every layer, with every kselftest in both kernels
#   make fuzz       run each fuzz target FUZZ_SECONDS (default 300) seconds
#   make nlfuzz     the module's netlink fuzzer at length, in the debug kernel
#   make demo       boot a VM and show what mif does
#   make install    install all three (module with DKMS where available)
#
# KDIR selects the kernel the module is built against: by default the running
# kernel's headers where they are installed, else Debian's 6.1 ones (as on a
# host whose kernel has no module support, where the module is only loaded
# in the test VM; tools/check and tools/demo pass the VM kernel's KDIR).

VERSION := 0.1.0
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /lib/modules/6.1*/build))))
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build

CC ?= gcc
PKGS := libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libnl-xfrm-3.0 gnutls nettle hogweed json-c inih
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lgmp
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
MIF_CFLAGS := -std=c11 -D_GNU_SOURCE -DMIF_VERSION='"$(VERSION)"' \
	-Iuser -Iuapi $(WARN) $(PKG_CFLAGS)
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# The unit tests check the engine's timer heap against a walk of every SA
# at each read (engine/timer_heap.h).
SAN_CFLAGS += -DMIF_TIMER_AUDIT

# Library code: every user/ source but the daemon's main and the tests.
LIB_SRCS := $(sort $(filter-out user/mifd.c user/tests/%, $(wildcard user/*.c user/*/*.c)))
MIFCTL_SRCS := $(sort $(wildcard tools/mifctl/*.c))
TEST_SRCS := $(sort $(wildcard user/tests/test_*.c))
# What the tests share (an in-memory network, a fake kernel backend).
TEST_HELPERS := $(BUILD)/san/user/tests/harness.o
# Helper programs of the kselftests, built on the host (the VM's root is
# read-only) into build/selftests/.
SELFTEST_PROGS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(sort $(wildcard selftests/*.c)))
# mifd with its MIF encoders wrapped, the peer of selftests/interop/refuse.sh.
MANGLE := $(BUILD)/tests/mifd-mangle
MANGLE_WRAPS := mif_interfaces_build mif_child_path_build ike_message_build

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)
TESTS := $(TEST_SRCS:user/tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps module user tools selftest-progs tests check check-all unit lint fuzz kunit kselftest \
	debug interop fuzz-build fuzz-corpus nlfuzz demo install clean
all: module user tools

deps:
	@tools/deps.sh

module: deps
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: deps $(BUILD)/mifd
tools: deps $(BUILD)/mifctl

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MIF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(MIF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmif.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libmif-san.a: $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# Only mifd talks to systemd (sd_notify).
$(BUILD)/obj/user/mifd.o: MIF_CFLAGS += $(shell pkg-config --cflags libsystemd 2>/dev/null)
$(BUILD)/mifd: $(BUILD)/obj/user/mifd.o $(BUILD)/libmif.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs libsystemd 2>/dev/null)

# mifctl and the test programs run hundreds of times in a test: only the
# libraries they call are loaded (each costs time at every start).
$(BUILD)/mifctl: $(MIFCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libmif.a
	$(CC) $(CFLAGS) -o $@ $^ -Wl,--as-needed $(PKG_LIBS)

selftest-progs: deps $(SELFTEST_PROGS) $(MANGLE)

$(BUILD)/selftests/%: $(BUILD)/obj/selftests/%.o $(BUILD)/libmif.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -Wl,--as-needed $(PKG_LIBS)

# The peer of selftests/interop/refuse.sh: mifd from the same objects, its
# MIF encoders wrapped by selftests/interop/mangle.c to send what a correct
# mifd never sends when MIF_MANGLE says so. mifd itself has no test hook.
$(MANGLE): $(BUILD)/obj/user/mifd.o $(BUILD)/obj/selftests/interop/mangle.o $(BUILD)/libmif.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(MANGLE_WRAPS:%=-Wl,--wrap=%) $(PKG_LIBS) \
		$(shell pkg-config --libs libsystemd 2>/dev/null)

$(BUILD)/tests/%: $(BUILD)/san/user/tests/%.o $(TEST_HELPERS) $(BUILD)/libmif-san.a
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

# Test layers; tools/check runs them and prints the summary line. The
# debug kernel runs the KUnit suites and every kselftest that loads the
# module beside the others; Debian's kernel the rest, and those that build
# thousands of SAs again with their thousands.
check: deps
	tools/check lint unit fuzz kselftest debug interop

# Every layer, and every kselftest in both kernels.
check-all: deps
	KSELFTEST_TESTS=all tools/check lint unit fuzz kunit kselftest debug interop

tests: deps $(TESTS) $(BUILD)/mifctl $(MANGLE)
# test_start and test_notify run the daemon itself.
$(BUILD)/tests/test_start $(BUILD)/tests/test_notify: | $(BUILD)/mifd
# test_notify reads tools/mifd.service: the tree's path, wherever BUILD is.
$(BUILD)/san/user/tests/test_notify.o: MIF_CFLAGS += -DMIF_SRCDIR='"$(CURDIR)"'

unit: deps
	tools/check unit

lint kunit kselftest debug interop: deps
	tools/check $@

# The module's netlink fuzzer (selftests/nlfuzz.sh) at length, in the debug
# kernel: NLFUZZ_COUNT requests per fuzzer, NLFUZZ_SEED to replay a run.
NLFUZZ_COUNT ?= 300000
nlfuzz: deps
	NLFUZZ_COUNT=$(NLFUZZ_COUNT) DEBUG_TESTS=nlfuzz.sh KSFT_TIMEOUT=43200 \
		DEBUG_TIMEOUT=43500 tools/check debug

# Fuzzing (fuzz/, see README.md): libFuzzer targets built with clang under
# ASan and UBSan into build/fuzz/bin/; make fuzz grows their corpora in
# build/fuzz/corpus/, make fuzz-corpus regenerates the seeds in fuzz/corpus/.
# A target is fuzz/NAME.c with its seeds in fuzz/corpus/NAME/.
FUZZ_CC := clang
FUZZ_TARGETS := $(notdir $(wildcard fuzz/corpus/*))
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
# clang's -Wextra also warns of struct initialisers that leave trailing
# fields zero (conf.c's key tables do), which gcc and C allow.
FUZZ_WFLAGS := -Wno-missing-field-initializers
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
# The tests' fake kernel, and two engines on their in-memory network.
FUZZ_HARNESS := $(BUILD)/fuzz/obj/user/tests/harness.o
FUZZ_WORLD := $(BUILD)/fuzz/obj/fuzz/world.o $(FUZZ_HARNESS)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/bin/%)
.SECONDARY: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/obj/fuzz/%.o)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(MIF_CFLAGS) $(FUZZ_WFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/libmif.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/bin/engine $(BUILD)/fuzz/bin/ike_sa_init: $(FUZZ_WORLD)
$(BUILD)/fuzz/bin/control: $(FUZZ_HARNESS)

$(BUILD)/fuzz/bin/%: $(BUILD)/fuzz/obj/fuzz/%.o $(BUILD)/fuzz/libmif.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) \
		$(BUILD)/fuzz/libmif.a $(PKG_LIBS) -lcmocka

$(BUILD)/fuzz/gen-corpus: $(BUILD)/san/fuzz/gen_corpus.o $(BUILD)/san/fuzz/world.o \
		$(TEST_HELPERS) $(BUILD)/libmif-san.a
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

fuzz-build: deps $(FUZZ_BINS)

fuzz: fuzz-build
	fuzz/run -t $(FUZZ_SECONDS)

fuzz-corpus: deps $(BUILD)/fuzz/gen-corpus
	$(BUILD)/fuzz/gen-corpus fuzz/corpus

demo: deps user tools
	tools/demo

install: all
	tools/install "$(DESTDIR)" "$(PREFIX)" "$(KDIR)" "$(VERSION)"

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
