-- delete: ARGV[3] = id. Returns how many sessions were deleted (the session and its members).
local id = ARGV[3]
if not live(id) then return 0 end
return remove_tree(id, nil)
