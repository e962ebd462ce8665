output "id" {
  description = "ID of the bucket."
  value       = local.id
}

output "address" {
  description = "Provider-wide address of the bucket (ARN, self link or blob endpoint)."
  value       = local.address
}
