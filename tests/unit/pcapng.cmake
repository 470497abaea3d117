# Unit tests of the pcapng encoding layer: pm_buf, TLVs, block encoders (byte-exact),
# the output sink (fd / single / multi-file / circular), and interop with stock tshark and
# tcpdump. Included from tests/unit/CMakeLists.txt.
foreach(_pcapng_t pcapng sink pcapng_interop)
  add_executable(test_${_pcapng_t} ${CMAKE_CURRENT_LIST_DIR}/test_${_pcapng_t}.c)
  target_link_libraries(test_${_pcapng_t} PRIVATE pktmon_pure)
  add_test(NAME unit_${_pcapng_t} COMMAND test_${_pcapng_t})
endforeach()
# The interop test exits 77 when tshark or tcpdump is missing; each tool run takes ~0.5 s.
set_tests_properties(unit_pcapng_interop PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
