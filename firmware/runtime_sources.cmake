# The int8 runtime's sources, shared by the host library (firmware/CMakeLists.txt) and the Arm images
# (firmware/target/CMakeLists.txt), so both always compile the same files.
set(TINYNAS_RUNTIME_SOURCES
  src/tn_status.c
  src/tn_crc32.c
  src/tn_matmul_s8.c
  src/tn_matmul_widened_s8.c
  src/tn_interpreter.c
  src/kernels/tn_conv_wrapper_s8.c
  src/kernels/tn_conv_get_buffer_sizes_s8.c
  src/kernels/tn_conv_s8.c
  src/kernels/tn_conv_1x1_s8.c
  src/kernels/tn_conv_1ch_s8.c
  src/kernels/tn_dw_conv_wrapper_s8.c
  src/kernels/tn_dw_conv_get_buffer_sizes_s8.c
  src/kernels/tn_dw_conv_3x3_s8.c
  src/kernels/tn_dw_conv_s8.c
  src/kernels/tn_fully_connected_s8.c
  src/kernels/tn_add_s8.c
  src/kernels/tn_avgpool_s8.c)
