# tools-pprof.mk -- the pprof renderer of the `slotprof` command
# (tools/pprof.c): profile.proto compiled by protoc-c at build time, linked
# with libprotobuf-c and zlib.
#
# Debian packages: protobuf-c-compiler (protoc-c), libprotobuf-c-dev, and
# zlib1g-dev; golang-go for the tests (go tool pprof reads what we write).
#
# The generated files live under build/tools/gen/ and are never committed.
# mk/tools.mk builds build/tools/slotprof; this fragment only appends to
# the variables it consumes (included before it: "tools-pprof" sorts
# before "tools.mk").

PROTOC_C ?= protoc-c
PPROF_GEN := build/tools/gen
PPROF_PROTO := tools/proto/profile.proto

TOOLS_EXTRA_OBJS += $(PPROF_GEN)/profile.pb-c.o
TOOLS_LIBS += -lprotobuf-c -lz
TOOLS_CFLAGS += -I$(PPROF_GEN)

# One protoc-c run writes both files (a grouped target, GNU make 4.3).
$(PPROF_GEN)/profile.pb-c.c $(PPROF_GEN)/profile.pb-c.h &: $(PPROF_PROTO)
	@mkdir -p $(PPROF_GEN)
	@echo "  PROTOC-C $<"
	@$(PROTOC_C) --proto_path=tools/proto --c_out=$(PPROF_GEN) $(PPROF_PROTO)

# Generated code: the project's standard and warnings, not its defines.
$(PPROF_GEN)/profile.pb-c.o: $(PPROF_GEN)/profile.pb-c.c \
  $(PPROF_GEN)/profile.pb-c.h
	@echo "  CC (tools) $<"
	@$(CC) $(CSTD) $(WARN) $(CFLAGS) -I$(PPROF_GEN) -c $< -o $@

# pprof.c includes the generated header.
build/tools/obj/pprof.o: $(PPROF_GEN)/profile.pb-c.h
