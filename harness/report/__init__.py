"""Reports: report.json (the contract), HTML extras for pytest-html, JUnit properties."""
