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

# --- libFuzzer on the BTF reader (PKTMON_FUZZ=ON), built with clang on the side as the reader's ----
if(PKTMON_FUZZ)
  set(PKTMON_BTF_FUZZ_SECONDS 20 CACHE STRING "How long the CTest run of the BTF reader's fuzzer lasts")
  find_program(PKTMON_FUZZ_CLANG NAMES clang clang-14 REQUIRED)
  set(_pm_btf_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/fuzz_kernel_btf)
  add_custom_command(OUTPUT ${_pm_btf_fuzz_bin}
    COMMAND ${PKTMON_FUZZ_CLANG} -std=gnu11 -Wall -Wextra ${PKTMON_WERROR_FLAGS} -g -O1 -fno-omit-frame-pointer
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I${_pm_pure_dir}
            ${CMAKE_CURRENT_LIST_DIR}/fuzz_kernel_btf.c ${_pm_pure_dir}/kernel_btf.c -o ${_pm_btf_fuzz_bin}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_kernel_btf.c ${_pm_pure_dir}/kernel_btf.c ${_pm_pure_dir}/kernel_btf.h
    COMMENT "Building libFuzzer target fuzz_kernel_btf with clang" VERBATIM)
  add_custom_target(fuzz_kernel_btf ALL DEPENDS ${_pm_btf_fuzz_bin})
  set(_pm_btf_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-btf-corpus)
  file(MAKE_DIRECTORY ${_pm_btf_corpus})
  add_test(NAME unit_kernel_btf_fuzz
    COMMAND ${_pm_btf_fuzz_bin} -max_total_time=${PKTMON_BTF_FUZZ_SECONDS} -print_final_stats=1 -max_len=4096
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz-btf- ${_pm_btf_corpus})
  math(EXPR _pm_btf_fuzz_timeout "${PKTMON_BTF_FUZZ_SECONDS} + 60")
  set_tests_properties(unit_kernel_btf_fuzz PROPERTIES TIMEOUT ${_pm_btf_fuzz_timeout})

  # the packet parser and filter matcher the BPF programs share (pkt_parse.h, header only)
  set(_pm_parse_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pkt_parse)
  add_custom_command(OUTPUT ${_pm_parse_fuzz_bin}
    COMMAND ${PKTMON_FUZZ_CLANG} -std=gnu11 -Wall -Wextra ${PKTMON_WERROR_FLAGS} -g -O1 -fno-omit-frame-pointer
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I${_pm_pure_dir}
            -I${_pm_pure_dir}/../../include ${CMAKE_CURRENT_LIST_DIR}/fuzz_pkt_parse.c -o ${_pm_parse_fuzz_bin}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_pkt_parse.c ${_pm_pure_dir}/pkt_parse.h
    COMMENT "Building libFuzzer target fuzz_pkt_parse with clang" VERBATIM)
  add_custom_target(fuzz_pkt_parse ALL DEPENDS ${_pm_parse_fuzz_bin})
  set(_pm_parse_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-parse-corpus)
  file(MAKE_DIRECTORY ${_pm_parse_corpus})
  add_test(NAME unit_pkt_parse_fuzz
    COMMAND ${_pm_parse_fuzz_bin} -max_total_time=${PKTMON_BTF_FUZZ_SECONDS} -print_final_stats=1 -max_len=400
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz-parse- ${_pm_parse_corpus})
  set_tests_properties(unit_pkt_parse_fuzz PROPERTIES TIMEOUT ${_pm_btf_fuzz_timeout})
endif()
