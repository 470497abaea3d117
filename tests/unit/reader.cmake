# Unit tests of the pcapng reader (capture-core/src/pure/pcapng_reader.c). Included from
# tests/unit/CMakeLists.txt (paths via CMAKE_CURRENT_LIST_DIR).
#   unit_pcapng_reader        linked against pktmon_pure; also reads samples/ping-blocked-input.pcapng
#   unit_pcapng_reader_asan   the same under AddressSanitizer + UBSan (inputs are exact-size heap
#                             copies: any over-read of a truncated or corrupted file is caught)
#   unit_pcapng_reader_fuzz   with PKTMON_FUZZ=ON: libFuzzer on the reader, 20 s (PKTMON_READER_FUZZ_SECONDS)

set(_pm_rd_pure ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure)
set(_pm_rd_inc ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/include)
set(_pm_rd_gen_inc ${CMAKE_BINARY_DIR}/capture-core/include) # pktmon_version.h
set(_pm_rd_sample ${CMAKE_CURRENT_LIST_DIR}/../../samples/ping-blocked-input.pcapng)
get_filename_component(_pm_rd_sample ${_pm_rd_sample} ABSOLUTE)
# Only what the reader test needs: the reader, the encoders it round-trips with, the metadata decoder.
set(_pm_rd_src ${_pm_rd_pure}/pcapng_reader.c ${_pm_rd_pure}/pcapng.c ${_pm_rd_pure}/pm_buf.c
    ${_pm_rd_pure}/tlv.c ${_pm_rd_pure}/pktmon_meta.c)

add_executable(test_pcapng_reader ${CMAKE_CURRENT_LIST_DIR}/test_pcapng_reader.c)
target_link_libraries(test_pcapng_reader PRIVATE pktmon_pure)
add_test(NAME unit_pcapng_reader COMMAND test_pcapng_reader ${_pm_rd_sample})

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=address,undefined")
check_c_source_compiles("int main(void) { return 0; }" PKTMON_HAVE_ASAN)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(PKTMON_HAVE_ASAN)
  add_executable(test_pcapng_reader_asan ${CMAKE_CURRENT_LIST_DIR}/test_pcapng_reader.c ${_pm_rd_src})
  target_include_directories(test_pcapng_reader_asan PRIVATE ${_pm_rd_inc} ${_pm_rd_gen_inc} ${_pm_rd_pure})
  target_compile_options(test_pcapng_reader_asan PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(test_pcapng_reader_asan PRIVATE -fsanitize=address,undefined)
  add_test(NAME unit_pcapng_reader_asan COMMAND test_pcapng_reader_asan ${_pm_rd_sample})
  set_tests_properties(unit_pcapng_reader_asan PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
endif()

# --- libFuzzer (PKTMON_FUZZ=ON; the same source with -DPCAPNG_READER_FUZZ) -------------------------
if(PKTMON_FUZZ)
  set(PKTMON_READER_FUZZ_SECONDS 20 CACHE STRING "How long the CTest run of the reader fuzzer lasts")
  set(_pm_rd_fuzz_flags -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
      -fno-sanitize-recover=undefined)
  set(_pm_rd_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pcapng_reader)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    add_executable(fuzz_pcapng_reader ${CMAKE_CURRENT_LIST_DIR}/test_pcapng_reader.c ${_pm_rd_src})
    target_include_directories(fuzz_pcapng_reader PRIVATE ${_pm_rd_inc} ${_pm_rd_gen_inc} ${_pm_rd_pure})
    target_compile_definitions(fuzz_pcapng_reader PRIVATE PCAPNG_READER_FUZZ)
    target_compile_options(fuzz_pcapng_reader PRIVATE ${_pm_rd_fuzz_flags})
    target_link_options(fuzz_pcapng_reader PRIVATE ${_pm_rd_fuzz_flags})
    set(_pm_rd_fuzz_bin $<TARGET_FILE:fuzz_pcapng_reader>)
  else()
    # The project compiler is not clang: build the fuzzer with clang on the side (as dissector/ does).
    find_program(PKTMON_FUZZ_CLANG NAMES clang clang-14 REQUIRED)
    add_custom_command(OUTPUT ${_pm_rd_fuzz_bin}
      COMMAND ${PKTMON_FUZZ_CLANG} -std=gnu11 -Wall -Wextra ${PKTMON_WERROR_FLAGS} ${_pm_rd_fuzz_flags} -DPCAPNG_READER_FUZZ
              -I${_pm_rd_pure} -I${_pm_rd_inc} -I${_pm_rd_gen_inc}
              ${CMAKE_CURRENT_LIST_DIR}/test_pcapng_reader.c ${_pm_rd_src} -o ${_pm_rd_fuzz_bin}
      DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_pcapng_reader.c ${_pm_rd_src} ${_pm_rd_pure}/pcapng_reader.h
      COMMENT "Building libFuzzer target fuzz_pcapng_reader with clang" VERBATIM)
    add_custom_target(fuzz_pcapng_reader ALL DEPENDS ${_pm_rd_fuzz_bin})
  endif()
  # Seeds: the real sample. libFuzzer adds what it finds to the corpus directory (the first one).
  set(_pm_rd_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-reader-corpus)
  set(_pm_rd_seeds ${CMAKE_CURRENT_BINARY_DIR}/fuzz-reader-seeds)
  file(MAKE_DIRECTORY ${_pm_rd_corpus} ${_pm_rd_seeds})
  file(COPY ${_pm_rd_sample} DESTINATION ${_pm_rd_seeds})
  add_test(NAME unit_pcapng_reader_fuzz
    COMMAND ${_pm_rd_fuzz_bin} -max_total_time=${PKTMON_READER_FUZZ_SECONDS} -print_final_stats=1
            -max_len=16384 -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz-reader- ${_pm_rd_corpus} ${_pm_rd_seeds})
  math(EXPR _pm_rd_fuzz_timeout "${PKTMON_READER_FUZZ_SECONDS} + 60")
  set_tests_properties(unit_pcapng_reader_fuzz PROPERTIES TIMEOUT ${_pm_rd_fuzz_timeout})
endif()
