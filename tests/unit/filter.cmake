# Unit tests of the pure filter, kallsyms and drop-reason modules, and a BPF build + verifier check
# of pkt_parse.h. Included from tests/unit/CMakeLists.txt (paths via CMAKE_CURRENT_LIST_DIR).
#   unit_filter, unit_kallsyms, unit_drop_reasons   linked against pktmon_pure
#   unit_*_asan                                     the same sources under AddressSanitizer + UBSan
#   unit_pkt_parse_bpf_compile                      clang -target bpf on pkt_parse_check.bpf.c (v1 and v3)
#   unit_pkt_parse_bpf_verify                       loads both objects: the kernel verifier must accept them

set(_pm_pure_dir ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure)
set(_pm_inc_dir ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/include)

foreach(_t filter kallsyms drop_reasons)
  add_executable(test_${_t} ${CMAKE_CURRENT_LIST_DIR}/test_${_t}.c)
  target_link_libraries(test_${_t} PRIVATE pktmon_pure)
  add_test(NAME unit_${_t} COMMAND test_${_t})
endforeach()

# --- sanitizer builds: the parser must never read past `len`, whatever the bytes -------------------
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=address,undefined")
check_c_source_compiles("int main(void) { return 0; }" PKTMON_HAVE_ASAN)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(PKTMON_HAVE_ASAN)
  set(_pm_asan_src_filter ${_pm_pure_dir}/filter.c)
  set(_pm_asan_src_kallsyms ${_pm_pure_dir}/kallsyms.c)
  set(_pm_asan_src_drop_reasons ${_pm_pure_dir}/drop_reasons.c)
  foreach(_t filter kallsyms drop_reasons)
    add_executable(test_${_t}_asan ${CMAKE_CURRENT_LIST_DIR}/test_${_t}.c ${_pm_asan_src_${_t}})
    target_include_directories(test_${_t}_asan PRIVATE ${_pm_inc_dir} ${_pm_pure_dir})
    target_compile_options(test_${_t}_asan PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=all)
    target_link_options(test_${_t}_asan PRIVATE -fsanitize=address,undefined)
    add_test(NAME unit_${_t}_asan COMMAND test_${_t}_asan)
    set_tests_properties(unit_${_t}_asan PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
  endforeach()
  # libbpf (not a target visible here) for the BTF calls.
  target_link_libraries(test_drop_reasons_asan PRIVATE bpf)
endif()

# --- pkt_parse.h as BPF -----------------------------------------------------------------------------
# Built by the test, not the build: a compiler or verifier problem in the parser shows as a failing
# test with its message, and does not stop everyone else's build.
if(NOT BPF_CLANG)
  find_program(BPF_CLANG clang)
endif()
if(NOT BPFTOOL)
  find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin)
endif()
if(NOT PKTMON_VMLINUX_BTF)
  set(PKTMON_VMLINUX_BTF /sys/kernel/btf/vmlinux)
endif()
set(_pm_bpf_dir ${CMAKE_CURRENT_BINARY_DIR}/pkt_parse_bpf)
file(MAKE_DIRECTORY ${_pm_bpf_dir})

if(BPF_CLANG AND BPFTOOL)
  set(_pm_bpf_flags -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror
      -I${_pm_bpf_dir} -I${_pm_inc_dir} -I${_pm_pure_dir})
  string(REPLACE ";" " " _pm_bpf_flags_str "${_pm_bpf_flags}")
  set(_pm_bpf_src ${CMAKE_CURRENT_LIST_DIR}/pkt_parse_check.bpf.c)
  add_test(NAME unit_pkt_parse_bpf_compile
    COMMAND sh -c "set -e
      if [ ! -r '${PKTMON_VMLINUX_BTF}' ]; then echo 'SKIP: no ${PKTMON_VMLINUX_BTF}'; exit 77; fi
      '${BPFTOOL}' btf dump file '${PKTMON_VMLINUX_BTF}' format c > '${_pm_bpf_dir}/vmlinux.h.tmp'
      mv '${_pm_bpf_dir}/vmlinux.h.tmp' '${_pm_bpf_dir}/vmlinux.h'
      for cpu in v1 v3; do
        '${BPF_CLANG}' ${_pm_bpf_flags_str} -mcpu=$cpu -c '${_pm_bpf_src}' -o \"${_pm_bpf_dir}/pkt_parse_check.$cpu.bpf.o\"
        echo \"compiled pkt_parse_check.bpf.c with -mcpu=$cpu\"
      done")
  set_tests_properties(unit_pkt_parse_bpf_compile PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120 FIXTURES_SETUP pkt_parse_bpf_obj)

  add_executable(test_bpf_verify ${CMAKE_CURRENT_LIST_DIR}/test_bpf_verify.c)
  target_link_libraries(test_bpf_verify PRIVATE pktmon_pure)
  add_test(NAME unit_pkt_parse_bpf_verify
    COMMAND test_bpf_verify ${_pm_bpf_dir}/pkt_parse_check.v1.bpf.o ${_pm_bpf_dir}/pkt_parse_check.v3.bpf.o)
  # Exit 77 when not root. It loads and unloads; nothing is attached or pinned.
  set_tests_properties(unit_pkt_parse_bpf_verify PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120 FIXTURES_REQUIRED pkt_parse_bpf_obj)
else()
  message(STATUS "pkt_parse BPF tests disabled: clang or bpftool not found")
endif()
