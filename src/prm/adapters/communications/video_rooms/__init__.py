"""Video-room providers of the virtual visits part (``VideoRoomProvider``): Jitsi Meet with signed
room tokens (:mod:`.jitsi`) and the local sink for development (:mod:`.local`)."""
