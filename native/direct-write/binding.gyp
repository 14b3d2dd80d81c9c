{
  "targets": [
    {
      "target_name": "berth_direct_write",
      "sources": ["direct-write.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "conditions": [["OS != 'linux'", { "type": "none", "sources": [] }]]
    }
  ]
}
