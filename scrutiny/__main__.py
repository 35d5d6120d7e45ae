from scrutiny.runtime.console import main

main()
