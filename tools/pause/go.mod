module kube-connector-tools/pause

go 1.25.0
