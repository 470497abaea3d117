# nftables tracing: trace messages parsed, a trace matched to its drop's frame, the rule's line
# and comment (the rule that dropped a packet, capture-core/src/nft_trace.c).
add_executable(test_nft_trace ${CMAKE_CURRENT_LIST_DIR}/test_nft_trace.c)
target_link_libraries(test_nft_trace PRIVATE pktmon_pure)
add_test(NAME unit_nft_trace COMMAND test_nft_trace)
