commands = ()
