module github.com/reactorbench/reactorbench

go 1.26
