variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "app_image" {
  description = "The app's image, pushed by CI (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:sha)"
  type        = string
  default     = "ghcr.io/example/shop:latest"
}
