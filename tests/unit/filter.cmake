# Unit tests of the pure filter, kallsyms and drop-reason modules, and the verifier's check of the
# product's BPF programs. Included from tests/unit/CMakeLists.txt (paths via CMAKE_CURRENT_LIST_DIR).
#   unit_filter, unit_kallsyms, unit_drop_reasons, unit_kernel_btf   linked against pktmon_pure
#   unit_*_asan                                     the same sources under AddressSanitizer + UBSan
#   unit_bpf_verify                                 the verifier accepts capture.bpf.o within a budget

set(_pm_pure_dir ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure)
set(_pm_inc_dir ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/include ${CMAKE_BINARY_DIR}/capture-core/include)

foreach(_t filter kallsyms drop_reasons kernel_btf)
  add_executable(test_${_t} ${CMAKE_CURRENT_LIST_DIR}/test_${_t}.c ${_pm_extra_src_${_t}})
  target_link_libraries(test_${_t} PRIVATE pktmon_pure)
  add_test(NAME unit_${_t} COMMAND test_${_t})
endforeach()
# the reader's thin file layer (maps the kernel's BTF) is not pure: compiled into the tests that
# read the running kernel's
foreach(_t kernel_btf drop_reasons)
  target_sources(test_${_t} PRIVATE ${_pm_pure_dir}/../vmlinux_btf.c)
  target_include_directories(test_${_t} PRIVATE ${_pm_pure_dir}/..)
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
  set(_pm_asan_src_drop_reasons ${_pm_pure_dir}/drop_reasons.c ${_pm_pure_dir}/kernel_btf.c ${_pm_pure_dir}/../vmlinux_btf.c)
  set(_pm_asan_src_kernel_btf ${_pm_pure_dir}/kernel_btf.c ${_pm_pure_dir}/../vmlinux_btf.c)
  foreach(_t filter kallsyms drop_reasons kernel_btf)
    add_executable(test_${_t}_asan ${CMAKE_CURRENT_LIST_DIR}/test_${_t}.c ${_pm_asan_src_${_t}})
    target_include_directories(test_${_t}_asan PRIVATE ${_pm_inc_dir} ${_pm_pure_dir} ${_pm_pure_dir}/..)
    target_compile_options(test_${_t}_asan PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=all)
    target_link_options(test_${_t}_asan PRIVATE -fsanitize=address,undefined)
    add_test(NAME unit_${_t}_asan COMMAND test_${_t}_asan)
    set_tests_properties(unit_${_t}_asan PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
  endforeach()
  # libbpf (not a target visible here) for the BTF calls.
  target_link_libraries(test_drop_reasons_asan PRIVATE bpf)
  target_link_libraries(test_kernel_btf_asan PRIVATE bpf)
endif()

# --- the product's BPF object before the kernel verifier ----------------------------------------
# Loads capture.bpf.o (its skeleton) configured as the heaviest session: every program must pass,
# each within a verified-instruction budget (test_bpf_verify.c). Exit 77 when not root. It loads
# and unloads; nothing is attached or pinned.
add_executable(test_bpf_verify ${CMAKE_CURRENT_LIST_DIR}/test_bpf_verify.c)
add_dependencies(test_bpf_verify pktmon_bpf_skel)
target_include_directories(test_bpf_verify PRIVATE ${CMAKE_BINARY_DIR}/capture-core/bpf
  ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src)
target_link_libraries(test_bpf_verify PRIVATE pktmon_core pktmon_pure)
add_test(NAME unit_bpf_verify COMMAND test_bpf_verify)
set_tests_properties(unit_bpf_verify PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# --- libFuzzer (PKTMON_FUZZ=ON) on the BTF reader and the packet parser, built with clang on the side --
# pm_fuzzer(NAME MAX_LEN SOURCES... DEPENDS headers...): target fuzz_NAME from fuzz_NAME.c and the
# sources, test unit_NAME_fuzz running it PKTMON_BTF_FUZZ_SECONDS on its own corpus.
function(pm_fuzzer name max_len)
  cmake_parse_arguments(F "" "" "SOURCES;DEPENDS" ${ARGN})
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/fuzz_${name})
  add_custom_command(OUTPUT ${bin}
    COMMAND ${PKTMON_FUZZ_CLANG} -std=gnu11 -Wall -Wextra ${PKTMON_WERROR_FLAGS} -g -O1 -fno-omit-frame-pointer
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I${_pm_pure_dir}
            -I${_pm_pure_dir}/../../include ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.c ${F_SOURCES} -o ${bin}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.c ${F_SOURCES} ${F_DEPENDS}
    COMMENT "Building libFuzzer target fuzz_${name} with clang" VERBATIM)
  add_custom_target(fuzz_${name} ALL DEPENDS ${bin})
  set(corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-${name}-corpus)
  file(MAKE_DIRECTORY ${corpus})
  add_test(NAME unit_${name}_fuzz
    COMMAND ${bin} -max_total_time=${PKTMON_BTF_FUZZ_SECONDS} -print_final_stats=1 -max_len=${max_len}
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz-${name}- ${corpus})
  math(EXPR timeout "${PKTMON_BTF_FUZZ_SECONDS} + 60")
  set_tests_properties(unit_${name}_fuzz PROPERTIES TIMEOUT ${timeout})
endfunction()

if(PKTMON_FUZZ)
  set(PKTMON_BTF_FUZZ_SECONDS 20 CACHE STRING "How long the CTest run of each of these fuzzers lasts")
  find_program(PKTMON_FUZZ_CLANG NAMES clang clang-14 REQUIRED)
  pm_fuzzer(kernel_btf 4096 SOURCES ${_pm_pure_dir}/kernel_btf.c DEPENDS ${_pm_pure_dir}/kernel_btf.h)
  # the packet parser and filter matcher the BPF programs share (pkt_parse.h, header only)
  pm_fuzzer(pkt_parse 400 DEPENDS ${_pm_pure_dir}/pkt_parse.h)
endif()
