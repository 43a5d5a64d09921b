# Excerpt of terraform-aws-modules/terraform-aws-ecs (Apache-2.0),
# modules/container-definition/main.tf, variables.tf and outputs.tf at
# 8d25f4e9989475e2b94ede517253e2d069990073.

variable "operating_system_family" {
  type    = string
  default = "LINUX"
}
variable "enable_execute_command" {
  type     = bool
  default  = false
  nullable = false
}
variable "cpu" {
  type    = number
  default = null
}
variable "environment" {
  type = list(object({
    name  = string
    value = string
  }))
  default = null
}
variable "essential" {
  type    = bool
  default = null
}
variable "firelensConfiguration" {
  type = object({
    options = optional(map(string))
    type    = optional(string)
  })
  default = null
}
variable "image" {
  type    = string
  default = null
}
variable "linuxParameters" {
  type = object({
    initProcessEnabled = optional(bool)
  })
  default = {}
}
variable "logConfiguration" {
  type = object({
    logDriver = optional(string)
    options   = optional(map(string))
  })
  default = {}
}
variable "memory" {
  type    = number
  default = null
}
variable "memoryReservation" {
  type    = number
  default = null
}
variable "name" {
  type    = string
  default = null
}
variable "portMappings" {
  type = list(object({
    containerPort = optional(number)
    hostPort      = optional(number)
    name          = optional(string)
    protocol      = optional(string, "tcp")
  }))
  default = null
}
variable "secrets" {
  type = list(object({
    name      = string
    valueFrom = string
  }))
  default = null
}
variable "user" {
  type    = string
  default = null
}
variable "service" {
  type    = string
  default = null
}
variable "enable_cloudwatch_logging" {
  type     = bool
  default  = true
  nullable = false
}
variable "create_cloudwatch_log_group" {
  type     = bool
  default  = true
  nullable = false
}
variable "cloudwatch_log_group_name" {
  type    = string
  default = null
}

data "aws_region" "current" {}

locals {
  is_not_windows = contains(["LINUX"], var.operating_system_family)

  service        = var.service != null ? "/${var.service}" : ""
  name           = var.name != null ? "/${var.name}" : ""
  log_group_name = try(coalesce(var.cloudwatch_log_group_name, "/aws/ecs${local.service}${local.name}"), "")

  # tflint-ignore: terraform_naming_convention
  logConfiguration = merge(
    { for k, v in {
      logDriver = "awslogs",
      options = {
        awslogs-region        = data.aws_region.current.region,
        awslogs-group         = try(aws_cloudwatch_log_group.this[0].name, ""),
        awslogs-stream-prefix = "ecs"
      },
    } : k => v if var.create_cloudwatch_log_group },
    { for k, v in var.logConfiguration : k => v if v != null }
  )

  trimedLinuxParameters = { for k, v in var.linuxParameters : k => v if v != null }
  linuxParameters       = var.enable_execute_command ? merge({ "initProcessEnabled" : true }, local.trimedLinuxParameters) : merge({ "initProcessEnabled" : false }, local.trimedLinuxParameters)

  definition = {
    cpu                   = var.cpu
    environment           = var.environment != null ? var.environment : null
    essential             = var.essential
    firelensConfiguration = var.firelensConfiguration != null ? { for k, v in var.firelensConfiguration : k => v if v != null } : null
    image                 = var.image
    linuxParameters       = local.is_not_windows ? local.linuxParameters : null
    logConfiguration      = length(local.logConfiguration) > 0 ? local.logConfiguration : null
    memory                = var.memory
    memoryReservation     = var.memoryReservation
    name                  = var.name
    portMappings          = var.portMappings != null ? [for p in var.portMappings : { for k, v in p : k => v if v != null }] : null
    secrets               = var.secrets
    user                  = local.is_not_windows ? var.user : null
  }

  # Strip out all null values, ECS API will provide defaults in place of null/empty values
  container_definition = { for k, v in local.definition : k => v if v != null }
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create_cloudwatch_log_group && var.enable_cloudwatch_logging ? 1 : 0

  name = "/aws/ecs/${var.service}/${var.name}"
}

output "container_definition" {
  description = "Container definition"
  value       = local.container_definition
}
