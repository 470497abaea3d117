# The consumer's walk over a BPF ring buffer's records, on plain memory.
add_executable(test_ring_walk ${CMAKE_CURRENT_LIST_DIR}/test_ring_walk.c)
target_link_libraries(test_ring_walk PRIVATE pktmon_pure)
add_test(NAME unit_ring_walk COMMAND test_ring_walk)
