# nftables tracing: trace messages parsed, a trace matched to its drop's frame, the rule's line
# and comment (the rule that dropped a packet, capture-core/src/nft_trace.c).
add_executable(test_nft_trace ${CMAKE_CURRENT_LIST_DIR}/test_nft_trace.c)
target_link_libraries(test_nft_trace PRIVATE pktmon_pure)
add_test(NAME unit_nft_trace COMMAND test_nft_trace)

# The same under AddressSanitizer + UBSan: its mangled messages are exact-size heap copies.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=address,undefined")
check_c_source_compiles("int main(void) { return 0; }" PKTMON_HAVE_ASAN) # cached: once for all parts
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(PKTMON_HAVE_ASAN)
  add_executable(test_nft_trace_asan ${CMAKE_CURRENT_LIST_DIR}/test_nft_trace.c
                 ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure/nft_trace_parse.c
                 ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure/filter.c)
  target_include_directories(test_nft_trace_asan PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src/pure
                             ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/include ${CMAKE_BINARY_DIR}/capture-core/include)
  target_compile_options(test_nft_trace_asan PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(test_nft_trace_asan PRIVATE -fsanitize=address,undefined)
  add_test(NAME unit_nft_trace_asan COMMAND test_nft_trace_asan)
  set_tests_properties(unit_nft_trace_asan PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
endif()
