# Unit test of the session control protocol (common/control_protocol.c): what the capture
# helper writes, `pktmon` parses back, hostile names included. unit_control_protocol.
set(_pm_common_dir ${CMAKE_CURRENT_LIST_DIR}/../../common)
add_executable(test_control_protocol ${CMAKE_CURRENT_LIST_DIR}/test_control_protocol.c
  ${_pm_common_dir}/control_protocol.c)
target_include_directories(test_control_protocol PRIVATE ${_pm_common_dir} ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME unit_control_protocol COMMAND test_control_protocol)
