module kube-connector-tools/kubernetes-provider

go 1.25.0

tool github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes

require github.com/pulumi/pulumi-kubernetes/provider/v4 v4.34.2
